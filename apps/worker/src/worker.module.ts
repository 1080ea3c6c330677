import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ClockModule, configModuleFor, PhoneVaultModule } from '@app/core';
import { DatabaseModule } from '@app/database';
import { ContactCalledEvents, ContactFullPhones, TaskModule } from '@app/task';
import { FirmBotQuotaModule } from '@app/firm-bot-quota';
import { EventsModule, WebhookRelayModule } from '@app/events';
import { ObservabilityModule } from '@app/observability';
import { RobotCallProbe, RobotCallProbeModule } from '@app/campaign-gateway';
import { WORKER_NAMESPACES } from './config/worker-namespaces';
import { SyncScheduler } from './sync.scheduler';
import { WorkerJobRunner } from './worker-job.runner';
import { WorkerJobs } from './worker-jobs';
import { EventsRelayLoop } from './events-relay.loop';

/**
 * The worker: the sync, the events relay (webhooks) and the events' housekeeping (BOT expiry notices,
 * retention), plus (from ObservabilityModule) the probes and `/metrics` it serves on WORKER_PORT when main.ts
 * runs it as an HTTP app; no business routes. As an application context (tests, `--once`) nothing listens.
 * `scheduled: false` (for `--once`) leaves the crons out; `relay: true` runs the relay's loop (main.ts; tests run
 * rounds themselves, `RunRelayRound`).
 */
@Module({})
export class WorkerModule {
  static forRoot(options: { scheduled: boolean; relay?: boolean }): DynamicModule {
    // One instance of the task module, imported here and by the relay (for the full-number port and the renderer of
    // a page's event batch, which the relay's sequencer needs: it does not boot without one for every kind).
    const tasks = TaskModule.forRoot();
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
        tasks,
        FirmBotQuotaModule,
        EventsModule,
        WebhookRelayModule.forRoot({
          fullPhones: { imports: [tasks], useExisting: ContactFullPhones },
          batchRenderers: { imports: [tasks], renderers: { records: ContactCalledEvents } },
        }),
        ...(options.scheduled ? [ScheduleModule.forRoot()] : []),
      ],
      providers: [
        WorkerJobs,
        WorkerJobRunner,
        ...(options.scheduled ? [SyncScheduler] : []),
        ...(options.relay ? [EventsRelayLoop] : []),
      ],
    };
  }
}
