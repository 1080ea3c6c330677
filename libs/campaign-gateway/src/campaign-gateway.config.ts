import { ConfigService } from '@nestjs/config';
import { CampaignGatewayOptions } from './campaign-gateway.options';

/**
 * `useFactory` for `CampaignGatewayModule.registerAsync({ inject: [ConfigService], ... })`: the `ROBOT_CALL_*`
 * variables (docs/configuration.md). Values arrive already validated and converted by the app's env schema; the
 * conversions here only make the defaults hold when a variable is absent.
 */
export function campaignGatewayOptionsFromConfig(config: ConfigService): CampaignGatewayOptions {
  const retryBaseDelayMs = config.get<string | number>('ROBOT_CALL_RETRY_BASE_DELAY_MS');
  return {
    baseUrl: String(config.get<string>('ROBOT_CALL_BASE_URL', 'http://127.0.0.1:4010')),
    apiKey: String(config.get<string>('ROBOT_CALL_API_KEY', 'dev-robot-key')),
    timeoutMs: Number(config.get<string | number>('ROBOT_CALL_TIMEOUT_MS', 5000)),
    retries: Number(config.get<string | number>('ROBOT_CALL_RETRIES', 2)),
    ...(retryBaseDelayMs === undefined ? {} : { retryBaseDelayMs: Number(retryBaseDelayMs) }),
    breakerResetMs: Number(config.get<string | number>('ROBOT_CALL_BREAKER_RESET_MS', 10_000)),
  };
}
