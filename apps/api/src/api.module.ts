import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AccountThrottlerGuard } from './http/account-throttler.guard';
import { ClockModule, configModuleFor, PhoneVaultModule } from '@app/core';
import { DatabaseModule } from '@app/database';
import { FirmBotQuotaModule } from '@app/firm-bot-quota';
import { ContactCalledEvents, TaskModule } from '@app/task';
import { StatsModule } from '@app/stats';
import { EventFeedModule } from '@app/events';
import { SuppressionModule } from '@app/suppression';
import { ObservabilityModule } from '@app/observability';
import { WebhooksModule } from '@app/events';
import { RobotCallProbe, RobotCallProbeModule } from '@app/campaign-gateway';
import { ApiConfig, apiConfig } from './config/api-env';
import { API_NAMESPACES } from './config/api-namespaces';
import { TasksController } from './tasks/tasks.controller';
import { TaskExportController } from './tasks/task-export.controller';
import { DoNotCallController, AdminDoNotCallController } from './do-not-call/do-not-call.controller';
import { AdminEventsController, EventsController } from './events/events.controller';
import { CallbacksController } from './callbacks/callbacks.controller';
import { CallbackSignatureGuard } from './callbacks/callback-signature.guard';
import { AdminBotController, OwnBotController } from './bot/bot.controller';
import { AdminWebhooksController, FirmWebhooksController } from './webhooks/webhooks.controller';
import { MeController } from './me/me.controller';
import { AdminErasureController } from './erasure/erasure.controller';
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
    // One instance of the task module, imported here and by the feed (the renderer of a page's event batch, which
    // the feed's sequencer needs: it does not boot without one for every kind).
    const tasks = TaskModule.forRoot();
    return {
      module: ApiModule,
      imports: [
        configModuleFor(API_NAMESPACES),
        ObservabilityModule.forRoot({
          service: 'ai-visitor-api',
          // Readiness is the database; the platform's reachability is shown beside it, never required.
          reported: { imports: [RobotCallProbeModule], inject: [RobotCallProbe] },
        }),
        ClockModule,
        PhoneVaultModule,
        DatabaseModule.forRootFromConfig(),
        FirmBotQuotaModule,
        SuppressionModule,
        tasks,
        ThrottlerModule.forRootAsync({
          inject: [apiConfig.KEY],
          useFactory: (config: ApiConfig) => [{ ttl: config.throttle.ttlMs, limit: config.throttle.limit }],
        }),
        StatsModule,
        EventFeedModule.forRoot({ batchRenderers: { imports: [tasks], renderers: { records: ContactCalledEvents } } }),
        WebhooksModule,
      ],
      controllers: [
        TasksController,
        TaskExportController,
        AdminBotController,
        OwnBotController,
        DoNotCallController,
        AdminDoNotCallController,
        CallbacksController,
        EventsController,
        AdminEventsController,
        AdminWebhooksController,
        FirmWebhooksController,
        MeController,
        AdminErasureController,
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
