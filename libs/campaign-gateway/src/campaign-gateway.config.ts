import { IsInt, IsUrl, Max, Min } from 'class-validator';
import { envNamespace, Secret } from '@app/core';
import { CampaignGatewayOptions, DEFAULT_RETRY_BASE_DELAY_MS } from './campaign-gateway.options';

/** The `ROBOT_CALL_*` variables of the outgoing calls (docs/configuration.md). */
export class CampaignGatewayEnv {
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    {
      message: 'ROBOT_CALL_BASE_URL must be an http(s) URL',
    },
  )
  ROBOT_CALL_BASE_URL: string = 'http://127.0.0.1:4010';

  /** Bearer key of every call. The simulator's default key with the embedded database only; else required. */
  @Secret({ embeddedDefault: 'dev-robot-key', minLength: 1 })
  ROBOT_CALL_API_KEY?: string;

  @IsInt()
  @Min(100)
  @Max(120_000)
  ROBOT_CALL_TIMEOUT_MS: number = 5000;

  @IsInt()
  @Min(0)
  @Max(10)
  ROBOT_CALL_RETRIES: number = 2;

  /** First backoff step between retries; doubles per retry, with jitter. */
  @IsInt()
  @Min(0)
  @Max(60_000)
  ROBOT_CALL_RETRY_BASE_DELAY_MS: number = DEFAULT_RETRY_BASE_DELAY_MS;

  /** How long the circuit breaker stays open (calls fail fast) before a trial call. */
  @IsInt()
  @Min(100)
  @Max(600_000)
  ROBOT_CALL_BREAKER_RESET_MS: number = 10_000;
}

/** `CampaignGatewayModule.forRootFromConfig()` registers the client with these options. */
export const campaignGatewayConfig = envNamespace(
  'campaignGateway',
  CampaignGatewayEnv,
  (env): CampaignGatewayOptions => ({
    baseUrl: env.ROBOT_CALL_BASE_URL,
    apiKey: env.ROBOT_CALL_API_KEY ?? '',
    timeoutMs: env.ROBOT_CALL_TIMEOUT_MS,
    retries: env.ROBOT_CALL_RETRIES,
    retryBaseDelayMs: env.ROBOT_CALL_RETRY_BASE_DELAY_MS,
    breakerResetMs: env.ROBOT_CALL_BREAKER_RESET_MS,
  }),
);
