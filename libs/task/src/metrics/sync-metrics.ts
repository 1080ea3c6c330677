import type { SyncTaskOutcome } from '../usecases/sync-task.usecase';
import type { UnfitAction, UnfitField } from '../domain/wire-fit';

/** A pass went through every task (`ok`), through every task with some failing (`partial`), or broke off. */
export type SyncPassOutcome = 'ok' | 'partial' | 'error';

/** What one task's sync did, or `failed`. */
export type SyncTaskRunOutcome = SyncTaskOutcome['action'] | 'failed';

export const SYNC_PASS_OUTCOMES: readonly SyncPassOutcome[] = ['ok', 'partial', 'error'];
export const SYNC_TASK_RUN_OUTCOMES: readonly SyncTaskRunOutcome[] = [
  'none', 'confirmed', 'ingested', 'next_campaign', 'completed', 'suspended', 'resumed', 'failed',
];

export const UNFIT_VALUE_LABELS: readonly { field: UnfitField; action: UnfitAction }[] = [
  { field: 'record_id', action: 'hashed' },
  { field: 'record_id', action: 'rejected' },
  { field: 'ref', action: 'rejected' },
  { field: 'fail_reason', action: 'cut' },
  { field: 'duration_sec', action: 'cut' },
  { field: 'called_at', action: 'replaced' },
  { field: 'next_cursor', action: 'not_saved' },
];

/**
 * What the sync reports, and the ingest path it shares with pushed records: the port the task lib's code
 * writes to. TaskModule binds it to PrometheusSyncMetrics; a test may bind its own.
 */
export abstract class SyncMetrics {
  /** One task synced (or failed), with the call records it stored. */
  abstract taskSynced(outcome: SyncTaskRunOutcome, recordsStored: number): void;
  /** One pass over every task to sync, and how long it took. */
  abstract passFinished(outcome: SyncPassOutcome, durationSeconds: number): void;
  /** One value from the platform that did not fit the database, and what was done with it (domain/wire-fit). */
  abstract unfitValue(field: UnfitField, action: UnfitAction): void;
  /** A campaign's paging that did not advance (more records announced, no new cursor): its reading stopped for this pass. */
  abstract pagingStalled(): void;
}
