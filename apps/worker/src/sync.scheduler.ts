import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { SyncPassRunner } from './sync-pass.runner';
import { WorkerConfig, workerConfig } from './config/worker-env';

const JOB_NAME = 'sync';
const EDGE_JOB_NAME = 'sync-edges';
const BOT_EXPIRY_JOB_NAME = 'bot-expiry';
const EVENTS_PURGE_JOB_NAME = 'events-purge';

/**
 * Runs the sync pass on SYNC_CRON, the edge check on SYNC_EDGE_CRON, and the events' housekeeping: the BOT
 * expiry notices on BOT_EXPIRY_CRON, the retention purge and the unsendable deliveries on EVENTS_PURGE_CRON. The schedule comes from configuration, so the job is registered at boot
 * rather than with a static `@Cron` decorator. `waitForCompletion` skips a tick while the previous pass runs.
 * On shutdown the cron stops first (onModuleDestroy); SyncPassRunner then lets a pass in progress finish.
 */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SyncScheduler.name);

  constructor(
    private readonly registry: SchedulerRegistry,
    @Inject(workerConfig.KEY) private readonly config: WorkerConfig,
    private readonly runner: SyncPassRunner,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(JOB_NAME, this.config.syncCron, () => this.tick());
    this.schedule(EDGE_JOB_NAME, this.config.syncEdgeCron, () => this.edgeTick());
    this.schedule(BOT_EXPIRY_JOB_NAME, this.config.botExpiryCron, () => this.botExpiryTick());
    this.schedule(EVENTS_PURGE_JOB_NAME, this.config.eventsPurgeCron, () => this.eventsPurgeTick());
  }

  /** The cron handler; tests call it directly instead of waiting for the clock. */
  async tick(): Promise<void> {
    await this.runner.run();
  }

  /** The edge check's cron handler (window and BOT edges, every minute by default). */
  async edgeTick(): Promise<void> {
    await this.runner.runEdges();
  }

  /** The BOT expiry notices' cron handler (every 10 minutes by default). */
  async botExpiryTick(): Promise<void> {
    await this.runner.runBotExpiry();
  }

  /**
   * The events' housekeeping cron handler (hourly by default): the retention purge, then the webhook deliveries
   * that can never be sent (their event gone, or a batch row) given up.
   */
  async eventsPurgeTick(): Promise<void> {
    await this.runner.runEventsPurge();
    await this.runner.runUnsendableDeliveries();
  }

  private schedule(name: string, cronTime: string, onTick: () => Promise<void>): void {
    this.registry.addCronJob(name, CronJob.from({ cronTime, onTick, waitForCompletion: true, start: true }));
    this.logger.log(`${name} scheduled: "${cronTime}"`);
  }

  /** No new tick once the app closes. (With waitForCompletion, stop() resolves after a running tick: not awaited here, the runner bounds that wait.) */
  onModuleDestroy(): void {
    for (const name of [JOB_NAME, EDGE_JOB_NAME, BOT_EXPIRY_JOB_NAME, EVENTS_PURGE_JOB_NAME]) {
      if (this.registry.doesExist('cron', name)) void this.registry.getCronJob(name).stop();
    }
  }
}
