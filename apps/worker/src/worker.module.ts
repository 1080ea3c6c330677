import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ClockModule, configModuleFor, PhoneVaultModule } from '@app/core';
import { DatabaseModule } from '@app/database';
import { TaskModule } from '@app/task';
import { FirmBotQuotaModule } from '@app/firm-bot-quota';
import { EventsModule } from '@app/events';
import { ObservabilityModule } from '@app/observability';
import { RobotCallProbe, RobotCallProbeModule } from '@app/campaign-gateway';
import { WORKER_NAMESPACES } from './config/worker-namespaces';
import { SyncScheduler } from './sync.scheduler';
import { SyncPassRunner } from './sync-pass.runner';

/**
 * The worker: the sync and the events' housekeeping (BOT expiry notices, retention), plus (from ObservabilityModule) the probes and `/metrics` it serves on WORKER_PORT
 * when main.ts runs it as an HTTP app; no business routes. As an application context (tests, `--once`)
 * nothing listens. `scheduled: false` (for `--once`) leaves the cron out.
 */
@Module({})
export class WorkerModule {
  static forRoot(options: { scheduled: boolean }): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        configModuleFor(WORKER_NAMESPACES),
        ObservabilityModule.forRoot({
          service: 'ai-visitor-worker',
          // Readiness is the database; the platform's reachability is shown beside it, never required.
          reported: { imports: [RobotCallProbeModule], inject: [RobotCallProbe] },
        }),
        ClockModule,
        PhoneVaultModule,
        DatabaseModule.forRootFromConfig(),
        TaskModule.forRoot(),
        FirmBotQuotaModule,
        EventsModule,
        ...(options.scheduled ? [ScheduleModule.forRoot()] : []),
      ],
      providers: [SyncPassRunner, ...(options.scheduled ? [SyncScheduler] : [])],
    };
  }
}
