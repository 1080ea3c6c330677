export * from './campaign-gateway.module';
export * from './campaign-gateway.client';
export * from './campaign-gateway.metrics';
export * from './campaign-gateway.types';
export * from './campaign-gateway.config';
export type { CampaignGatewayOptions } from './campaign-gateway.options';
export { CAMPAIGN_GATEWAY_OPTIONS, DEFAULT_RETRY_BASE_DELAY_MS } from './campaign-gateway.options';
export * from './errors/robot-call-errors';
export { RobotCall } from './wire/robot-call';
