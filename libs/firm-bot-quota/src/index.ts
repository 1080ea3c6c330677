// The firm's BOT permission: on/off, expiry and task quota. Module, service (checks and the quota slot),
// use cases for operations and recruiters (and the worker's expiry notices), views and errors; the entity and its repository are internal.
export * from './firm-bot-quota.module';
export * from './errors/bot-errors';
export type { BotState } from './bot-entitlement';
export * from './firm-bot.service';
export type { FirmBotView } from './firm-bot.view';
export * from './usecases/grant-firm-bot.usecase';
export * from './usecases/get-firm-bot.usecase';
export * from './usecases/notify-bot-expiry.usecase';
