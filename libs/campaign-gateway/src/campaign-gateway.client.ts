import { Inject, Injectable, Optional } from '@nestjs/common';
import { AxiosInstance, AxiosResponse } from 'axios';
import {
  AddCampaignInput,
  AddCampaignResult,
  CampaignAction,
  CampaignDetail,
  CampaignDetailQuery,
  CampaignStatusChange,
} from './campaign-gateway.types';
import { CampaignGatewayMetrics, gatewayOutcomeOf } from './campaign-gateway.metrics';
import { dataOf, failureOf, unexpectedShape } from './http/interpret-answer';
import { ROBOT_CALL_HTTP } from './http/robot-call-http.provider';
import { RobotCall } from './wire/robot-call';
import { WireObject } from './wire/shape';
import {
  fromAddData,
  fromDetailData,
  fromStatusData,
  toAddRequest,
  toChangeStatusRequest,
  toDetailRequest,
} from './wire/wire-mapping';

/**
 * The robot-call platform's three calls (libs/campaign-gateway/README.md). Every call is safe to retry and
 * is retried on transient failures; what still fails surfaces as `RobotCallTimeoutError`,
 * `RobotCallUnavailableError` or `RobotCallRejectedError`.
 */
@Injectable()
export class CampaignGatewayClient {
  constructor(
    @Inject(ROBOT_CALL_HTTP) private readonly http: AxiosInstance,
    @Optional() private readonly metrics?: CampaignGatewayMetrics,
  ) {}

  addCampaign(input: AddCampaignInput): Promise<AddCampaignResult> {
    return this.call(RobotCall.Add, toAddRequest(input), fromAddData);
  }

  getCampaignDetail(query: CampaignDetailQuery): Promise<CampaignDetail> {
    return this.call(RobotCall.Detail, toDetailRequest(query), fromDetailData);
  }

  changeCampaignStatus(campaignId: string, action: CampaignAction): Promise<CampaignStatusChange> {
    return this.call(RobotCall.ChangeStatus, toChangeStatusRequest(campaignId, action), fromStatusData);
  }

  /** One call as the caller sees it (retries included), measured when the app provides metrics. */
  private async call<T>(call: RobotCall, body: WireObject, read: (data: WireObject) => T): Promise<T> {
    if (!this.metrics) return this.send(call, body, read);
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const result = await this.send(call, body, read);
      this.metrics.observeCall(call, 'ok', seconds());
      return result;
    } catch (error) {
      this.metrics.observeCall(call, gatewayOutcomeOf(error), seconds());
      throw error;
    }
  }

  private async send<T>(call: RobotCall, body: WireObject, read: (data: WireObject) => T): Promise<T> {
    let response: AxiosResponse;
    try {
      response = await this.http.post(call, body);
    } catch (error) {
      throw failureOf(call, error);
    }
    const data = dataOf(call, response);
    try {
      return read(data);
    } catch (error) {
      throw unexpectedShape(call, error);
    }
  }
}
