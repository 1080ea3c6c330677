import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { WorkerJobRunner } from './worker-job.runner';
import { WorkerJobName, WorkerJobs } from './worker-jobs';

/**
 * Schedules every row of the worker's job table (WorkerJobs) on its cron. The schedules come from configuration,
 * so the jobs are registered at boot rather than with static `@Cron` decorators. `waitForCompletion` skips a tick
 * while the previous run of that job is still going. On shutdown the crons stop first (onModuleDestroy);
 * WorkerJobRunner then lets a run in progress finish.
 */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SyncScheduler.name);

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly jobs: WorkerJobs,
    private readonly runner: WorkerJobRunner,
  ) {}

  onApplicationBootstrap(): void {
    for (const job of this.jobs.table) {
      this.registry.addCronJob(
        job.name,
        CronJob.from({
          cronTime: job.schedule,
          onTick: () => this.tick(job.name),
          waitForCompletion: true,
          start: true,
        }),
      );
      this.logger.log(`${job.name} scheduled: "${job.schedule}"`);
    }
  }

  /** A job's cron handler; tests call it directly instead of waiting for the clock. */
  async tick(name: WorkerJobName = 'sync'): Promise<void> {
    await this.runner.run(name);
  }

  /** No new tick once the app closes. (With waitForCompletion, stop() resolves after a running tick: not awaited here, the runner bounds that wait.) */
  onModuleDestroy(): void {
    for (const job of this.jobs.table) {
      if (this.registry.doesExist('cron', job.name)) void this.registry.getCronJob(job.name).stop();
    }
  }
}
