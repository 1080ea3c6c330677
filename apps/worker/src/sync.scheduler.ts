import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { RunSyncPass } from '@app/task';

const JOB_NAME = 'sync';

/**
 * Runs the sync pass on SYNC_CRON. The schedule comes from configuration, so the job is registered at boot
 * rather than with a static `@Cron` decorator. `waitForCompletion` skips a tick while the previous pass runs.
 */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SyncScheduler.name);
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly config: ConfigService,
    private readonly runSyncPass: RunSyncPass,
  ) {}

  onApplicationBootstrap(): void {
    const schedule = this.config.getOrThrow<string>('SYNC_CRON');
    const job = CronJob.from({
      cronTime: schedule,
      onTick: () => this.tick(),
      waitForCompletion: true,
      start: true,
    });
    this.registry.addCronJob(JOB_NAME, job);
    this.logger.log(`sync scheduled: "${schedule}"`);
  }

  /** The cron handler; tests call it directly instead of waiting for the clock. */
  async tick(): Promise<void> {
    this.running = this.runSyncPass
      .execute()
      .then((summary) => this.logger.log(`sync pass: ${JSON.stringify(summary)}`))
      .catch((error: Error) => this.logger.error(`sync pass failed: ${error.message}`));
    await this.running;
    this.running = null;
  }

  /** Lets a pass in flight finish before the process exits. */
  async onApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('cron', JOB_NAME)) this.registry.getCronJob(JOB_NAME).stop();
    if (this.running) await this.running;
  }
}
