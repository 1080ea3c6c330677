import { SYNC_TASK_ACTIONS } from './sync-task-outcome';
import type { UnfitAction, UnfitField } from '../domain/wire-fit';

/** A pass went through every task (`ok`), through every task with some failing (`partial`), or broke off. */
export const SYNC_PASS_OUTCOMES = ['ok', 'partial', 'error'] as const;
export type SyncPassOutcome = (typeof SYNC_PASS_OUTCOMES)[number];

/** What one task's sync did (every action the use case may return), or `failed`. */
export const SYNC_TASK_RUN_OUTCOMES = [...SYNC_TASK_ACTIONS, 'failed'] as const;
export type SyncTaskRunOutcome = (typeof SYNC_TASK_RUN_OUTCOMES)[number];

export const UNFIT_VALUE_LABELS: readonly { field: UnfitField; action: UnfitAction }[] = [
  { field: 'record_id', action: 'hashed' },
  { field: 'record_id', action: 'rejected' },
  { field: 'ref', action: 'rejected' },
  { field: 'fail_reason', action: 'cut' },
  { field: 'duration_sec', action: 'cut' },
  { field: 'called_at', action: 'replaced' },
  { field: 'next_cursor', action: 'not_saved' },
  { field: 'recording_url', action: 'dropped' },
  { field: 'transcript', action: 'cut' },
  { field: 'summary', action: 'cut' },
];

/** What noticed a campaign's end outside the sync pass, and whether the task was moved on then. */
export const CAMPAIGN_END_TRIGGERS = ['push', 'probe'] as const;
export type CampaignEndTrigger = (typeof CAMPAIGN_END_TRIGGERS)[number];
export const CAMPAIGN_END_OUTCOMES = ['moved_on', 'deferred'] as const;
export type CampaignEndOutcome = (typeof CAMPAIGN_END_OUTCOMES)[number];

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
  /** One transaction storing pushed results, and how many pushes it answered (several when they arrived together). */
  abstract pushesCoalesced(pushes: number): void;
  /** A campaign's end noticed outside the sync pass (CampaignEndFollower), and whether its task was moved on then. */
  abstract campaignEndFollowed(trigger: CampaignEndTrigger, outcome: CampaignEndOutcome): void;
}
