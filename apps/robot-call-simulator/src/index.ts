export * from './start-simulator';
export * from './simulator-app';
export * from './simulator.module';
export * from './simulator.options';
export type { IntentionMix } from './outcomes/intention-mix';
export { parseIntentionMix, DEFAULT_INTENTION_MIX_TEXT } from './outcomes/intention-mix';
export { CampaignStatus as SimulatedCampaignStatus } from './campaigns/campaign-status';
export { pushSignature, PUSH_SIGNATURE_HEADER, PUSH_TIMESTAMP_HEADER } from './push/push-signature';
export type { PushCounters, PushSettingsPatch, PushView } from './push/call-result-pusher.service';
