import { IsInt, Max, Min } from 'class-validator';
import { envNamespace } from '@app/core';

/** Task defaults and limits, from the apps' validated configuration. */
export interface TaskSettings {
  defaultBatchSize: number;
  maxBatchSize: number;
  defaultMaxAttempts: number;
  defaultRetryGapMinutes: number;
  /** Records asked for per `campaign_detail` page. */
  syncPageSize: number;
  /** Tasks synced at the same time by one worker. */
  syncConcurrency: number;
  /** How long a worker's claim on a task lasts without renewal (renewed at every step of its sync). */
  syncLeaseSeconds: number;
  /** "Inconvenient now" is called back at the window's opening this many days later. */
  inconvenientCallbackDays: number;
  /** A task whose campaign pushed results is not polled by the sync for this long after (0: always polled). */
  skipPollAfterPushSeconds: number;
  /** Push transactions an API process may run at once (tasks split among them by id; 1 with the embedded database). */
  pushLanes: number;
}

/** The TASK_* and SYNC_* variables of the task lib, with their defaults. */
export class TaskEnv {
  @IsInt()
  @Min(1)
  @Max(10_000)
  TASK_DEFAULT_BATCH_SIZE: number = 200;

  @IsInt()
  @Min(1)
  @Max(10_000)
  TASK_MAX_BATCH_SIZE: number = 1000;

  @IsInt()
  @Min(1)
  @Max(10)
  TASK_DEFAULT_MAX_ATTEMPTS: number = 2;

  @IsInt()
  @Min(0)
  @Max(10_080)
  TASK_DEFAULT_RETRY_GAP_MINUTES: number = 60;

  @IsInt()
  @Min(1)
  @Max(1000)
  SYNC_PAGE_SIZE: number = 500;

  /**
   * Tasks one worker syncs at once. Most of a task's sync waits on the platform (one request per task without
   * news), so this is what a pass over thousands of live tasks scales with. The bench's live-tasks section (the
   * platform answering in 100 ms, 10,000 live tasks, 1% with news; full run of 2026-12-01) measured 270.9 s at 4,
   * 67.0 s at 16, 34.9 s at 32, 23.4 s at 48 and 18.3 s at 64. 48 keeps a wide margin under the minute without
   * doubling what one worker asks of the platform at once.
   */
  @IsInt()
  @Min(1)
  @Max(64)
  SYNC_CONCURRENCY: number = 48;

  /** How long a worker's claim on a task lasts without renewal (database time); renewed once a third has passed. */
  @IsInt()
  @Min(10)
  @Max(86_400)
  SYNC_LEASE_SECONDS: number = 300;

  /** "Inconvenient now" is called back at the call window's opening this many days later (0: the next opening). */
  @IsInt()
  @Min(0)
  @Max(30)
  INCONVENIENT_CALLBACK_DAYS: number = 1;

  /**
   * A task whose campaign has pushed results (POST /v1/callbacks/robot-call) is passed over by the sync's passes
   * for this long after the last push: the platform is telling, polling would read nothing new. Once the pushes
   * stop (the campaign finished, or the platform's pushes broke), polling takes over again. 0: always polled.
   */
  @IsInt()
  @Min(0)
  @Max(86_400)
  SYNC_SKIP_AFTER_PUSH_SECONDS: number = 300;

  /**
   * Push transactions one API process runs at most at once (IngestPushedRecords). It runs one at a time, coalescing
   * the pushes waiting into the next; another starts beside those running only once they have all run
   * LANE_PATIENCE_MS (100 ms: held up on a task's lock, a sync page, a campaign's end), for the other tasks' pushes,
   * so a push waiting on one task's lock holds back the others by that at most. Each lane holds at most one database
   * connection: keep it well under DATABASE_POOL_SIZE. With one lane, 60 firms pushing gave a freshness p99 of
   * 4.3 s (bench "system", 2026-12-07); bench/README.md has the run with 4. Ignored with the embedded database,
   * which runs one transaction at a time (one lane).
   */
  @IsInt()
  @Min(1)
  @Max(32)
  SYNC_PUSH_LANES: number = 4;
}

function taskSettings(env: TaskEnv): TaskSettings {
  return {
    defaultBatchSize: env.TASK_DEFAULT_BATCH_SIZE,
    maxBatchSize: env.TASK_MAX_BATCH_SIZE,
    defaultMaxAttempts: env.TASK_DEFAULT_MAX_ATTEMPTS,
    defaultRetryGapMinutes: env.TASK_DEFAULT_RETRY_GAP_MINUTES,
    syncPageSize: env.SYNC_PAGE_SIZE,
    syncConcurrency: env.SYNC_CONCURRENCY,
    syncLeaseSeconds: env.SYNC_LEASE_SECONDS,
    inconvenientCallbackDays: env.INCONVENIENT_CALLBACK_DAYS,
    skipPollAfterPushSeconds: env.SYNC_SKIP_AFTER_PUSH_SECONDS,
    pushLanes: env.SYNC_PUSH_LANES,
  };
}

/** The task lib's configuration; `TaskModule` reads it (the app loads this namespace). */
export const taskConfig = envNamespace('task', TaskEnv, taskSettings);

/** The same settings under the token the task lib's classes inject. */
export const TASK_SETTINGS = Symbol('TASK_SETTINGS');

/** The schema's defaults, for unit tests that build the classes by hand. */
export const DEFAULT_TASK_SETTINGS: TaskSettings = taskSettings(new TaskEnv());
