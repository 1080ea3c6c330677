import { Inject, Injectable } from '@nestjs/common';
import { AxiosInstance, AxiosResponse } from 'axios';
import {
  AddCampaignInput,
  AddCampaignResult,
  CampaignAction,
  CampaignDetail,
  CampaignDetailQuery,
  CampaignStatusChange,
} from './campaign-gateway.types';
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
  constructor(@Inject(ROBOT_CALL_HTTP) private readonly http: AxiosInstance) {}

  addCampaign(input: AddCampaignInput): Promise<AddCampaignResult> {
    return this.call(RobotCall.Add, toAddRequest(input), fromAddData);
  }

  getCampaignDetail(query: CampaignDetailQuery): Promise<CampaignDetail> {
    return this.call(RobotCall.Detail, toDetailRequest(query), fromDetailData);
  }

  changeCampaignStatus(campaignId: string, action: CampaignAction): Promise<CampaignStatusChange> {
    return this.call(RobotCall.ChangeStatus, toChangeStatusRequest(campaignId, action), fromStatusData);
  }

  private async call<T>(call: RobotCall, body: WireObject, read: (data: WireObject) => T): Promise<T> {
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
