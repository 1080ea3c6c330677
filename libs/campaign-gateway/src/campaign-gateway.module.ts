import { Module } from '@nestjs/common';
import { CampaignGatewayClient } from './campaign-gateway.client';
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
export class CampaignGatewayModule extends ConfigurableCampaignGatewayModule {}
