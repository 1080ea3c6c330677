import { Inject, Injectable } from '@nestjs/common';
import { PurgeExpiredConversations, RunEdgePass, RunScheduledStarts, RunSyncPass } from '@app/task';
import { NotifyBotExpiry } from '@app/firm-bot-quota';
import { GiveUpUnsendableDeliveries, PurgeExpiredEvents } from '@app/events';
import { WorkerConfig, workerConfig } from './config/worker-env';

/** The worker's jobs, by name: what the scheduler runs on its cron, and what `--once <name>` runs once. */
export const WORKER_JOB_NAMES = [
  'sync',
  'sync-edges',
  'scheduled-starts',
  'bot-expiry',
  'events-housekeeping',
] as const;
export type WorkerJobName = (typeof WORKER_JOB_NAMES)[number];

/** One job: when it runs, what it runs, and when its summary is worth a log line. */
export interface WorkerJob {
  name: WorkerJobName;
  /** What it does, for the logs (`<what> finished`). */
  what: string;
  /** Its cron expression, from the worker's configuration. */
  schedule: string;
  run(): Promise<object>;
  /** Whether a run's summary is logged (a job that usually finds nothing logs only when it did something). */
  worthLogging(summary: object): boolean;
  /** `--once`'s exit code for a run that went through (0; the sync pass says 2 when some task failed). */
  exitCode(summary: object): number;
}

/**
 * The worker's jobs as one table (issue 21): the sync pass on SYNC_CRON, the minute check on SYNC_EDGE_CRON (window
 * and BOT edges, and the probe of running campaigns), the scheduled starts beside it on the same cron (issue 22: a
 * job of its own, see RunScheduledStarts for why), the BOT expiry notices on BOT_EXPIRY_CRON, and the events'
 * housekeeping on EVENTS_PURGE_CRON (the events' retention purge and the webhook deliveries that can never be sent
 * given up, then the conversations' retention purge). `SyncScheduler` schedules every row; `main.ts --once [name]` runs one row once (the sync pass by default);
 * `WorkerJobRunner` runs a row, logs it and keeps shutdown honest.
 */
@Injectable()
export class WorkerJobs {
  readonly table: readonly WorkerJob[];

  constructor(
    @Inject(workerConfig.KEY) config: WorkerConfig,
    runSyncPass: RunSyncPass,
    runEdgePass: RunEdgePass,
    runScheduledStarts: RunScheduledStarts,
    notifyBotExpiry: NotifyBotExpiry,
    purgeExpiredEvents: PurgeExpiredEvents,
    giveUpUnsendableDeliveries: GiveUpUnsendableDeliveries,
    purgeExpiredConversations: PurgeExpiredConversations,
  ) {
    this.table = [
      job({
        name: 'sync',
        what: 'sync pass',
        schedule: config.syncCron,
        run: () => runSyncPass.execute(),
        exitCode: (s) => (s.failed > 0 ? 2 : 0),
      }),
      job({
        name: 'sync-edges',
        what: 'edge check',
        schedule: config.syncEdgeCron,
        run: () => runEdgePass.execute(),
        worthLogging: (s) => s.synced > 0 || s.movedOn > 0,
      }),
      job({
        name: 'scheduled-starts',
        what: 'scheduled starts',
        schedule: config.syncEdgeCron,
        run: () => runScheduledStarts.execute(),
        worthLogging: (s) => s.due > 0,
        exitCode: (s) => (s.failed > 0 ? 2 : 0),
      }),
      job({
        name: 'bot-expiry',
        what: 'bot expiry notices',
        schedule: config.botExpiryCron,
        run: () => notifyBotExpiry.execute(),
        worthLogging: (s) => s.notified > 0,
      }),
      job({
        name: 'events-housekeeping',
        what: 'events housekeeping',
        schedule: config.eventsPurgeCron,
        // Every step runs whatever the others did; the job fails with the first error. The conversations' retention
        // is a step here, not a job of its own: it is the same kind of work on the same schedule (hourly, bounded
        // batches), it redacts events (so it belongs with their purge), and one more cron would be one more knob.
        // It runs after the events' purge, so it redacts only the events that are kept.
        run: async () => {
          const [purged, unsendable] = await Promise.allSettled([
            purgeExpiredEvents.execute({}),
            giveUpUnsendableDeliveries.execute({}),
          ]);
          const [conversations] = await Promise.allSettled([purgeExpiredConversations.execute({})]);
          if (purged.status === 'rejected') throw purged.reason;
          if (unsendable.status === 'rejected') throw unsendable.reason;
          if (conversations.status === 'rejected') throw conversations.reason;
          const { events: purgedEvents, deliveries: purgedDeliveries } = purged.value;
          return {
            purgedEvents,
            purgedDeliveries,
            unsendableEventGone: unsendable.value.eventGone,
            unsendableUnrendered: unsendable.value.unrendered,
            purgedConversations: conversations.value.conversations,
            redactedEvents: conversations.value.events,
          };
        },
        worthLogging: (s) =>
          s.purgedEvents + s.unsendableEventGone + s.unsendableUnrendered + s.purgedConversations > 0,
      }),
    ];
  }

  byName(name: WorkerJobName): WorkerJob {
    const found = this.table.find((j) => j.name === name);
    if (!found) throw new Error(`no worker job ${name}`);
    return found;
  }
}

/** A row of the table, typed by its summary. */
function job<T extends object>(spec: {
  name: WorkerJobName;
  what: string;
  schedule: string;
  run: () => Promise<T>;
  worthLogging?: (summary: T) => boolean;
  exitCode?: (summary: T) => number;
}): WorkerJob {
  return {
    name: spec.name,
    what: spec.what,
    schedule: spec.schedule,
    run: spec.run,
    worthLogging: (summary) => spec.worthLogging?.(summary as T) ?? true,
    exitCode: (summary) => spec.exitCode?.(summary as T) ?? 0,
  };
}
