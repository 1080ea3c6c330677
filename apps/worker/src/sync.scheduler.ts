import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { SyncPassRunner } from './sync-pass.runner';

const JOB_NAME = 'sync';

/**
 * Runs the sync pass on SYNC_CRON. The schedule comes from configuration, so the job is registered at boot
 * rather than with a static `@Cron` decorator. `waitForCompletion` skips a tick while the previous pass runs.
 * On shutdown the cron stops first (onModuleDestroy); SyncPassRunner then lets a pass in progress finish.
 */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SyncScheduler.name);

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly config: ConfigService,
    private readonly runner: SyncPassRunner,
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
    await this.runner.run();
  }

  /** No new tick once the app closes. (With waitForCompletion, stop() resolves after a running tick: not awaited here, the runner bounds that wait.) */
  onModuleDestroy(): void {
    if (this.registry.doesExist('cron', JOB_NAME)) void this.registry.getCronJob(JOB_NAME).stop();
  }
}
