import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import CircuitBreaker from 'opossum';
import { CAMPAIGN_GATEWAY_OPTIONS, CampaignGatewayOptions } from './campaign-gateway.options';
import { RobotCallCircuitOpenError, RobotCallRejectedError } from './errors/robot-call-errors';
import { AxiosInstance, AxiosResponse } from 'axios';
import {
  AddCampaignInput,
  AddCampaignResult,
  CampaignAction,
  CampaignDetail,
  CampaignDetailQuery,
  CampaignStatusChange,
} from './campaign-gateway.types';
import { CampaignGatewayMetrics, gatewayOutcomeOf } from './metrics/campaign-gateway.metrics';
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
  private readonly logger = new Logger(CampaignGatewayClient.name);
  /**
   * One breaker for the platform (opossum): when at least half of the calls of the last 10 s failed
   * (unavailable or timed out, after their retries), calls fail fast with ROBOT_CALL_UNAVAILABLE instead of
   * hammering a platform that is down; after `breakerResetMs` one trial call decides whether it closes.
   * Refusals (4xxxx) are the platform working, and never count. Its timers are unref'd, and it is not shut
   * down on module destroy: a sync pass or request still draining at shutdown must still reach the platform.
   */
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;

  constructor(
    @Inject(ROBOT_CALL_HTTP) private readonly http: AxiosInstance,
    @Optional() private readonly metrics?: CampaignGatewayMetrics,
    @Optional() @Inject(CAMPAIGN_GATEWAY_OPTIONS) options?: CampaignGatewayOptions,
  ) {
    this.breaker = new CircuitBreaker((work: () => Promise<unknown>) => work(), {
      timeout: false, // the HTTP client has its own per-attempt timeout and retries
      errorThresholdPercentage: 50,
      volumeThreshold: options?.breakerVolumeThreshold ?? 10,
      resetTimeout: options?.breakerResetMs ?? 10_000,
      rollingCountTimeout: 10_000,
      errorFilter: (error: unknown) => error instanceof RobotCallRejectedError,
    });
    this.breaker.on('open', () => this.logger.warn('robot-call platform failing: circuit open, calls fail fast'));
    this.breaker.on('close', () => this.logger.log('robot-call platform answering again: circuit closed'));
  }

  /** The breaker is open or half-open: calls fail fast (but a trial one) until the platform answers again. */
  get circuitOpen(): boolean {
    return !this.breaker.closed;
  }

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
    try {
      return (await this.breaker.fire(() => this.sendNow(call, body, read))) as T;
    } catch (error) {
      if ((error as { code?: string })?.code === 'EOPENBREAKER') throw new RobotCallCircuitOpenError(call);
      throw error;
    }
  }

  private async sendNow<T>(call: RobotCall, body: WireObject, read: (data: WireObject) => T): Promise<T> {
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
