import { Logger } from '@nestjs/common';
import { HttpService } from '@nestjs/axios';
import { Test, TestingModule } from '@nestjs/testing';
import { AxiosInstance } from 'axios';
import { CampaignGatewayClient } from '../campaign-gateway.client';
import { CampaignGatewayModule } from '../campaign-gateway.module';
import { CampaignGatewayOptions } from '../campaign-gateway.options';

export interface GatewayUnderTest {
  client: CampaignGatewayClient;
  /** The client's own axios instance, for specs that act between attempts. */
  axios: AxiosInstance;
  close(): Promise<void>;
}

/** A real Nest module with the gateway registered as an app would; retries kept fast for specs. */
export async function gatewayFor(
  baseUrl: string,
  options: Partial<CampaignGatewayOptions> = {},
): Promise<GatewayUnderTest> {
  const moduleRef: TestingModule = await Test.createTestingModule({
    imports: [
      CampaignGatewayModule.register({
        baseUrl,
        apiKey: 'spec-key',
        timeoutMs: 2000,
        retries: 2,
        retryBaseDelayMs: 5,
        ...options,
      }),
    ],
  }).compile();
  // Retry warnings are expected in these specs; keep the output readable.
  moduleRef.useLogger(false);
  Logger.overrideLogger(false);
  return {
    client: moduleRef.get(CampaignGatewayClient),
    axios: moduleRef.get(HttpService, { strict: false }).axiosRef,
    close: () => moduleRef.close(),
  };
}
