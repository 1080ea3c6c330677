export * from './firm-bot-quota.module';
export * from './entities/firm-bot.entity';
export * from './errors/bot-errors';
export * from './bot-entitlement';
export * from './firm-bot.service';
export * from './firm-bot.view';
export * from './usecases/grant-firm-bot.usecase';
export * from './usecases/get-firm-bot.usecase';
