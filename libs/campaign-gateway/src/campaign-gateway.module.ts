import { DynamicModule, Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { CampaignGatewayClient } from './campaign-gateway.client';
import { campaignGatewayConfig } from './campaign-gateway.config';
import { ConfigurableCampaignGatewayModule } from './campaign-gateway.options';
import { robotCallHttpProvider } from './http/robot-call-http.provider';
import { CampaignGatewayMetrics } from './metrics/campaign-gateway.metrics';
import { GATEWAY_METRIC_PROVIDERS } from './metrics/gateway-metrics';
import { PrometheusCampaignGatewayMetrics } from './metrics/prometheus-gateway-metrics';

/**
 * `CampaignGatewayModule.register({...})` or `.registerAsync({ imports, inject, useFactory })`; provides
 * `CampaignGatewayClient`, with its calls measured on Prometheus (exported by the app's `/metrics`). The module
 * that calls the platform imports it (TaskModule); nothing relies on a global registration.
 */
@Module({
  providers: [
    robotCallHttpProvider,
    CampaignGatewayClient,
    ...GATEWAY_METRIC_PROVIDERS,
    { provide: CampaignGatewayMetrics, useClass: PrometheusCampaignGatewayMetrics },
  ],
  exports: [CampaignGatewayClient],
})
export class CampaignGatewayModule extends ConfigurableCampaignGatewayModule {
  /** Registered from `campaignGatewayConfig` (the app loads that namespace), by the module that calls the platform. */
  static forRootFromConfig(): DynamicModule {
    return CampaignGatewayModule.registerAsync({
      inject: [campaignGatewayConfig.KEY],
      useFactory: (options: ConfigType<typeof campaignGatewayConfig>) => options,
    });
  }
}
