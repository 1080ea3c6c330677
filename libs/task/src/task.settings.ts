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
}

export const TASK_SETTINGS = Symbol('TASK_SETTINGS');

export const DEFAULT_TASK_SETTINGS: TaskSettings = {
  defaultBatchSize: 200,
  maxBatchSize: 1000,
  defaultMaxAttempts: 2,
  defaultRetryGapMinutes: 60,
  syncPageSize: 500,
  syncConcurrency: 4,
  inconvenientCallbackDays: 1,
  syncLeaseSeconds: 300,
};

/** Reads the task settings from the apps' validated configuration (TASK_* and SYNC_* variables). */
export function taskSettingsFromConfig(config: { get(key: string): unknown }): TaskSettings {
  const number = (key: string, fallback: number) => {
    const value = config.get(key);
    return value === undefined || value === null || value === '' ? fallback : Number(value);
  };
  return {
    defaultBatchSize: number('TASK_DEFAULT_BATCH_SIZE', DEFAULT_TASK_SETTINGS.defaultBatchSize),
    maxBatchSize: number('TASK_MAX_BATCH_SIZE', DEFAULT_TASK_SETTINGS.maxBatchSize),
    defaultMaxAttempts: number('TASK_DEFAULT_MAX_ATTEMPTS', DEFAULT_TASK_SETTINGS.defaultMaxAttempts),
    defaultRetryGapMinutes: number('TASK_DEFAULT_RETRY_GAP_MINUTES', DEFAULT_TASK_SETTINGS.defaultRetryGapMinutes),
    syncPageSize: number('SYNC_PAGE_SIZE', DEFAULT_TASK_SETTINGS.syncPageSize),
    syncConcurrency: number('SYNC_CONCURRENCY', DEFAULT_TASK_SETTINGS.syncConcurrency),
    syncLeaseSeconds: number('SYNC_LEASE_SECONDS', DEFAULT_TASK_SETTINGS.syncLeaseSeconds),
    inconvenientCallbackDays: number('INCONVENIENT_CALLBACK_DAYS', DEFAULT_TASK_SETTINGS.inconvenientCallbackDays),
  };
}
