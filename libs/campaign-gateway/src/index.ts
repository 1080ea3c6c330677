// The campaign gateway's contract: the module, its client and the types it speaks, its errors, the metrics
// port, and the one decoder of the platform's call-record format. Everything else is internal.
export { CampaignGatewayModule } from './campaign-gateway.module';
export { CampaignGatewayClient } from './campaign-gateway.client';
export * from './campaign-gateway.types';
export { campaignGatewayConfig } from './campaign-gateway.config';
export type { CampaignGatewayOptions } from './campaign-gateway.options';
export * from './errors/robot-call-errors';
export { CampaignGatewayMetrics, GATEWAY_CALL_OUTCOMES } from './metrics/campaign-gateway.metrics';
export type { GatewayCallOutcome } from './metrics/campaign-gateway.metrics';
export { RobotCall } from './wire/robot-call';
export { decodeCallRecord } from './wire/wire-mapping';
export { RobotCallProbe, RobotCallProbeModule } from './health/robot-call-probe';
export type { RobotCallReachability } from './health/robot-call-probe';
export { GATEWAY_METRIC } from './metrics/gateway-metrics';
export { parseWireDateTime } from './wire/shape';
