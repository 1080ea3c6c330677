import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AccountThrottlerGuard } from './http/account-throttler.guard';
import { ClockModule, envValidator, PhoneVaultModule } from '@app/core';
import { DatabaseModule } from '@app/database';
import { FirmBotQuotaModule } from '@app/firm-bot-quota';
import { TaskModule } from '@app/task';
import { StatsModule } from '@app/stats';
import { SuppressionModule } from '@app/suppression';
import { ObservabilityModule } from '@app/observability';
import { ApiEnv } from './config/api-env';
import { TasksController } from './tasks/tasks.controller';
import { TaskExportController } from './tasks/task-export.controller';
import { DoNotCallController, AdminDoNotCallController } from './do-not-call/do-not-call.controller';
import { CallbacksController } from './callbacks/callbacks.controller';
import { CallbackSignatureGuard } from './callbacks/callback-signature.guard';
import { AdminBotController, OwnBotController } from './bot/bot.controller';
import { DomainExceptionFilter } from './http/domain-exception.filter';
import { ServiceAuthGuard } from './auth/service-auth.guard';
import { AdminAuthGuard } from './auth/admin-auth.guard';
import { TaskOwnershipGuard } from './auth/task-ownership.guard';
import { BotEntitlementGuard } from './auth/bot-entitlement.guard';

/** The internal HTTP API. A function, not a static module, so configuration is validated when the app
 * boots (and fails there with a readable message), not when this file is imported. */
@Module({})
export class ApiModule {
  static forRoot(): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, cache: true, validate: envValidator(ApiEnv) }),
        ObservabilityModule.forRoot({ service: 'ai-visitor-api' }),
        ClockModule,
        PhoneVaultModule,
        DatabaseModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            url: config.get('DATABASE_URL') || undefined,
            sqlitePath: config.get('SQLITE_PATH'),
            logSql: config.get('LOG_SQL') === 'true',
          }),
        }),
        FirmBotQuotaModule,
        SuppressionModule,
        TaskModule.forRoot(),
        ThrottlerModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService) => [
            { ttl: Number(config.get('THROTTLE_TTL_SECONDS')) * 1000, limit: Number(config.get('THROTTLE_LIMIT')) },
          ],
        }),
        StatsModule,
      ],
      controllers: [
        TasksController,
        TaskExportController,
        AdminBotController,
        OwnBotController,
        DoNotCallController,
        AdminDoNotCallController,
        CallbacksController,
      ],
      providers: [
        { provide: APP_FILTER, useClass: DomainExceptionFilter },
        { provide: APP_GUARD, useClass: AccountThrottlerGuard },
        ServiceAuthGuard,
        AdminAuthGuard,
        TaskOwnershipGuard,
        BotEntitlementGuard,
        CallbackSignatureGuard,
      ],
    };
  }
}
