// The firm's BOT permission: on/off, expiry and task quota. Module, service (checks and the quota slot),
// use cases for operations and recruiters, views and errors; the entity and its repository are internal.
export * from './firm-bot-quota.module';
export * from './errors/bot-errors';
export { botState } from './bot-entitlement';
export type { BotState, BotEntitlement } from './bot-entitlement';
export * from './firm-bot.service';
export * from './firm-bot.view';
export * from './usecases/grant-firm-bot.usecase';
export * from './usecases/get-firm-bot.usecase';
