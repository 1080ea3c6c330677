import { HttpService } from '@nestjs/axios';
import { Logger, Provider } from '@nestjs/common';
import { AxiosError, AxiosInstance } from 'axios';
import axiosRetry from 'axios-retry';
import {
  assertValidGatewayOptions,
  CAMPAIGN_GATEWAY_OPTIONS,
  CampaignGatewayOptions,
  DEFAULT_RETRY_BASE_DELAY_MS,
} from '../campaign-gateway.options';
import { backoffDelayMs, isRetryableError, isRetryableResponse } from './retry-policy';

/** The axios instance configured for the robot-call platform: base URL, auth, per-attempt timeout, retries. */
export const ROBOT_CALL_HTTP = Symbol('ROBOT_CALL_HTTP');

const logger = new Logger('CampaignGateway');

export function configureRobotCallHttp(http: AxiosInstance, options: CampaignGatewayOptions): AxiosInstance {
  assertValidGatewayOptions(options);
  http.defaults.baseURL = options.baseUrl;
  http.defaults.timeout = options.timeoutMs;
  http.defaults.headers.common.Authorization = `Bearer ${options.apiKey}`;
  const baseDelayMs = options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS;

  axiosRetry(http, {
    retries: options.retries,
    // The contract's timeout is per attempt; without this a timed-out attempt leaves no budget to retry.
    shouldResetTimeout: true,
    retryCondition: isRetryableError,
    retryDelay: (retryNumber) => backoffDelayMs(retryNumber, baseDelayMs),
    // Routes every answer through the retry check, so an HTTP 200 carrying a 5xxxx code is retried too.
    validateResponse: (response) => !isRetryableResponse(response),
    onRetry: (retryNumber, error, config) =>
      logger.warn(`${config.url} failed (${describe(error)}); retry ${retryNumber}/${options.retries}`),
  });
  return http;
}

/** Status and codes only: the request body (phone numbers) must stay out of logs. */
function describe(error: AxiosError): string {
  if (!error.response) return error.code ?? 'network error';
  const code = (error.response.data as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? `HTTP ${error.response.status}, code ${code}` : `HTTP ${error.response.status}`;
}

export const robotCallHttpProvider: Provider = {
  provide: ROBOT_CALL_HTTP,
  inject: [HttpService, CAMPAIGN_GATEWAY_OPTIONS],
  useFactory: (httpService: HttpService, options: CampaignGatewayOptions) =>
    configureRobotCallHttp(httpService.axiosRef, options),
};
