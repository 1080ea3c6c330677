import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { EdgePassSummary, RunEdgePass, RunSyncPass, SyncPassSummary } from '@app/task';
import { observabilityConfig } from '@app/observability';
import { BotExpirySummary, NotifyBotExpiry } from '@app/firm-bot-quota';
import { GiveUpUnsendableDeliveries, PurgeExpiredEvents, PurgeSummary, UnsendableSummary } from '@app/events';

/**
 * Runs sync passes for the cron and for `--once`, and keeps shutdown honest: once the app closes
 * (SIGTERM) no new pass starts, and a pass in progress gets up to SHUTDOWN_TIMEOUT_MS to finish before the
 * database connection goes. The wait is in `beforeApplicationShutdown`, which Nest runs for every module
 * before any `onApplicationShutdown` (where TypeORM closes its pool) and before the probe server closes.
 * A pass cut off by the bound loses nothing committed: each page of records is stored with its cursor in
 * one transaction, and the next pass resumes from the stored cursors.
 */
@Injectable()
export class SyncPassRunner implements BeforeApplicationShutdown {
  private readonly logger = new Logger('SyncPass');
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(
    private readonly runSyncPass: RunSyncPass,
    private readonly runEdgePass: RunEdgePass,
    private readonly notifyBotExpiry: NotifyBotExpiry,
    private readonly purgeExpiredEvents: PurgeExpiredEvents,
    private readonly giveUpUnsendableDeliveries: GiveUpUnsendableDeliveries,
    @Inject(observabilityConfig.KEY) private readonly operations: ConfigType<typeof observabilityConfig>,
  ) {}

  /** One pass, logged; null when the worker is shutting down (nothing was started). Never rejects. */
  async run(): Promise<SyncPassSummary | null> {
    return this.track('sync pass', () => this.runSyncPass.execute());
  }

  /** One edge check (window and BOT edges), logged when it synced something; null when shutting down. Never rejects. */
  async runEdges(): Promise<EdgePassSummary | null> {
    return this.track('edge check', () => this.runEdgePass.execute(), (summary) => summary.synced > 0 || summary.movedOn > 0);
  }

  /** The BOT expiry notices, logged when some went out; null when shutting down. Never rejects. */
  async runBotExpiry(): Promise<BotExpirySummary | null> {
    return this.track('bot expiry notices', () => this.notifyBotExpiry.execute(), (summary) => summary.notified > 0);
  }

  /** The events' retention purge, logged when it deleted some; null when shutting down. Never rejects. */
  async runEventsPurge(): Promise<PurgeSummary | null> {
    return this.track('events purge', () => this.purgeExpiredEvents.execute(), (summary) => summary.events > 0);
  }

  /** The webhook deliveries that can never be sent, given up; logged when there were some; null when shutting down. Never rejects. */
  async runUnsendableDeliveries(): Promise<UnsendableSummary | null> {
    return this.track('unsendable deliveries given up', () => this.giveUpUnsendableDeliveries.execute(), (s) => s.eventGone + s.unrendered > 0);
  }

  private async track<T extends object>(name: string, work: () => Promise<T>, worthLogging: (summary: T) => boolean = () => true): Promise<T | null> {
    if (this.stopping) {
      this.logger.warn(`shutting down: ${name} not started`);
      return null;
    }
    const pass = work();
    this.inFlight.add(pass);
    try {
      const summary = await pass;
      if (worthLogging(summary)) this.logger.log({ msg: `${name} finished`, ...summary });
      return summary;
    } catch (error) {
      this.logger.error(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    } finally {
      this.inFlight.delete(pass);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.inFlight.size === 0) return;
    const timeoutMs = this.operations.shutdownTimeoutMs;
    this.logger.log(`waiting up to ${timeoutMs} ms for the sync pass in progress`);
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      Promise.allSettled([...this.inFlight]).then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!finished) {
      this.logger.warn(`sync pass still running after SHUTDOWN_TIMEOUT_MS=${timeoutMs}; closing anyway (the next pass resumes it)`);
    }
  }
}
