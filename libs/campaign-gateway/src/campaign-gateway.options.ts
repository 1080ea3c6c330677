import { ConfigurableModuleBuilder } from '@nestjs/common';
import { HttpModule } from '@nestjs/axios';

export interface CampaignGatewayOptions {
  /** e.g. `https://robot.example.com/api`; each call is `POST {baseUrl}/{call}`. */
  baseUrl: string;
  apiKey: string;
  /** Per attempt, not per call: retries each get the full budget. */
  timeoutMs: number;
  /** Extra attempts after the first, on retryable failures only. */
  retries: number;
  /** First backoff step; doubles per retry, with jitter. Default 200 ms. */
  retryBaseDelayMs?: number;
  /** Circuit breaker: how long it stays open before letting one trial call through. Default 10 s. */
  breakerResetMs?: number;
  /** Circuit breaker: calls in the rolling 10 s window before the failure rate may open it. Default 10. */
  breakerVolumeThreshold?: number;
}

export const DEFAULT_RETRY_BASE_DELAY_MS = 200;

/** Fails at startup rather than on the first call, so a misconfigured deployment never goes live. */
export function assertValidGatewayOptions(options: CampaignGatewayOptions): void {
  const problems: string[] = [];
  if (typeof options.baseUrl !== 'string' || !/^https?:\/\/\S+$/.test(options.baseUrl)) {
    problems.push('baseUrl must be an http(s) URL');
  }
  if (typeof options.apiKey !== 'string' || options.apiKey.length === 0) problems.push('apiKey is required');
  if (!Number.isInteger(options.timeoutMs) || options.timeoutMs <= 0)
    problems.push('timeoutMs must be a positive integer');
  if (!Number.isInteger(options.retries) || options.retries < 0) problems.push('retries must be an integer >= 0');
  const delay = options.retryBaseDelayMs;
  if (delay !== undefined && (!Number.isFinite(delay) || delay < 0)) problems.push('retryBaseDelayMs must be >= 0');
  if (problems.length > 0) throw new Error(`Invalid CampaignGatewayModule options: ${problems.join('; ')}`);
}

export const {
  ConfigurableModuleClass: ConfigurableCampaignGatewayModule,
  MODULE_OPTIONS_TOKEN: CAMPAIGN_GATEWAY_OPTIONS,
} = new ConfigurableModuleBuilder<CampaignGatewayOptions>({ moduleName: 'CampaignGateway' })
  // Each registration imports its own HttpModule so it owns a private axios instance: the retry
  // interceptors and defaults installed on it must never leak into another registration or the global axios.
  // Never global: the module that calls the platform imports it.
  .setExtras({}, (definition) => ({
    ...definition,
    imports: [...(definition.imports ?? []), HttpModule.register({})],
  }))
  .build();
