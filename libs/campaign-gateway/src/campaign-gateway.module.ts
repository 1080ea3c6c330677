import { DynamicModule, Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { CampaignGatewayClient } from './campaign-gateway.client';
import { campaignGatewayConfig } from './campaign-gateway.config';
import { ConfigurableCampaignGatewayModule } from './campaign-gateway.options';
import { robotCallHttpProvider } from './http/robot-call-http.provider';

/**
 * `CampaignGatewayModule.register({...})` or `.registerAsync({ imports, inject, useFactory })`; provides
 * `CampaignGatewayClient`. Pass `isGlobal: true` to share one registration across an app.
 */
@Module({
  providers: [robotCallHttpProvider, CampaignGatewayClient],
  exports: [CampaignGatewayClient],
})
export class CampaignGatewayModule extends ConfigurableCampaignGatewayModule {
  /** The app's one, global registration, from `campaignGatewayConfig` (the app loads that namespace). */
  static forRootFromConfig(): DynamicModule {
    return CampaignGatewayModule.registerAsync({
      isGlobal: true,
      inject: [campaignGatewayConfig.KEY],
      useFactory: (options: ConfigType<typeof campaignGatewayConfig>) => options,
    });
  }
}
