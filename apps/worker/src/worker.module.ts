import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ClockModule, configModuleFor, PhoneVaultModule } from '@app/core';
import { DatabaseModule } from '@app/database';
import { TaskModule } from '@app/task';
import { ObservabilityModule } from '@app/observability';
import { RobotCallProbe, RobotCallProbeModule } from '@app/campaign-gateway';
import { WORKER_NAMESPACES } from './config/worker-namespaces';
import { SyncScheduler } from './sync.scheduler';
import { SyncPassRunner } from './sync-pass.runner';

/**
 * The worker: the sync, plus (from ObservabilityModule) the probes and `/metrics` it serves on WORKER_PORT
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
        ...(options.scheduled ? [ScheduleModule.forRoot()] : []),
      ],
      providers: [SyncPassRunner, ...(options.scheduled ? [SyncScheduler] : [])],
    };
  }
}
