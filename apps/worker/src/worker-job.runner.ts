import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { observabilityConfig } from '@app/observability';
import { WorkerJob, WorkerJobName, WorkerJobs } from './worker-jobs';

/**
 * Runs the worker's jobs (WorkerJobs) for the cron and for `--once`, and keeps shutdown honest: once the app closes
 * (SIGTERM) no new run starts, and a run in progress gets up to SHUTDOWN_TIMEOUT_MS to finish before the database
 * connection goes. The wait is in `beforeApplicationShutdown`, which Nest runs for every module before any
 * `onApplicationShutdown` (where TypeORM closes its pool) and before the probe server closes. A sync pass cut off
 * by the bound loses nothing committed: each page of records is stored with its cursor in one transaction, and the
 * next pass resumes from the stored cursors.
 */
@Injectable()
export class WorkerJobRunner implements BeforeApplicationShutdown {
  private readonly logger = new Logger('WorkerJobs');
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(
    private readonly jobs: WorkerJobs,
    @Inject(observabilityConfig.KEY) private readonly operations: ConfigType<typeof observabilityConfig>,
  ) {}

  /** One run of the job, logged when worth it; null when the worker is shutting down or the run failed (logged). Never rejects. */
  async run(name: WorkerJobName): Promise<object | null> {
    return this.track(this.jobs.byName(name));
  }

  /** `--once`'s exit code for a run's summary: 1 when nothing ran or it failed, else the job's own. */
  exitCode(name: WorkerJobName, summary: object | null): number {
    return summary === null ? 1 : this.jobs.byName(name).exitCode(summary);
  }

  private async track(job: WorkerJob): Promise<object | null> {
    if (this.stopping) {
      this.logger.warn(`shutting down: ${job.what} not started`);
      return null;
    }
    const run = job.run();
    this.inFlight.add(run);
    try {
      const summary = await run;
      if (job.worthLogging(summary)) this.logger.log({ msg: `${job.what} finished`, ...summary });
      return summary;
    } catch (error) {
      this.logger.error(`${job.what} failed: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    } finally {
      this.inFlight.delete(run);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.inFlight.size === 0) return;
    const timeoutMs = this.operations.shutdownTimeoutMs;
    this.logger.log(`waiting up to ${timeoutMs} ms for the job in progress`);
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      Promise.allSettled([...this.inFlight]).then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!finished) {
      this.logger.warn(
        `job still running after SHUTDOWN_TIMEOUT_MS=${timeoutMs}; closing anyway (the next run resumes it)`,
      );
    }
  }
}
