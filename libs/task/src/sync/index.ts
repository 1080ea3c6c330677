// The sync engine: how a task's campaigns run on the platform and how their results come back. Leases and their
// fences, the pass and the minute check, one task's sync, the launcher (intent first, then the platform, then the
// confirm), the ingest of polled and pushed results, and the follow-up of a campaign's end. The rest of the task
// lib reaches it only through this file: the module registers SYNC_PROVIDERS, the control use cases (start, pause,
// cancel) drive campaigns through CampaignLauncher, and the lib's index re-exports the use cases the apps run.
import { SyncLeases } from './sync-leases';
import { CampaignLauncher } from './campaign-launcher';
import { RecordIngestor } from './record-ingestor';
import { CampaignEndFollower } from './campaign-end-follower';
import { ContactCalledEvents } from './contact-called-events';
import { SyncTask } from './sync-task.usecase';
import { RunSyncPass } from './run-sync-pass.usecase';
import { RunEdgePass } from './run-edge-pass.usecase';
import { IngestPushedRecords } from './ingest-pushed-records.usecase';
import { ReplayedPushCheck } from './replayed-push-check';
import { SyncMetrics } from './sync-metrics';
import { ContactWithdrawals } from './contact-withdrawals';
import { PrometheusSyncMetrics } from './prometheus-sync-metrics';

/** Every provider of the sync engine, for TaskModule (its metrics port bound to Prometheus). */
export const SYNC_PROVIDERS = [
  { provide: SyncMetrics, useClass: PrometheusSyncMetrics },
  SyncLeases,
  ContactWithdrawals,
  CampaignLauncher,
  RecordIngestor,
  CampaignEndFollower,
  ContactCalledEvents,
  SyncTask,
  RunSyncPass,
  RunEdgePass,
  ReplayedPushCheck,
  IngestPushedRecords,
];

// The events lib's renderer of `records` batches, exported by TaskModule for the apps to give the sequencer
export { ContactCalledEvents } from './contact-called-events';

// For the control use cases of the task lib
export { CampaignLauncher } from './campaign-launcher';
export type { DriveOptions } from './campaign-launcher';
export { ContactWithdrawals } from './contact-withdrawals';

// The use cases the apps run (re-exported by the lib's index)
export { SyncTask } from './sync-task.usecase';
export type { KnownTask, SyncTaskCommand, SyncTaskAction, SyncTaskOutcome } from './sync-task.usecase';
export { RunSyncPass } from './run-sync-pass.usecase';
export type { SyncPassSummary } from './run-sync-pass.usecase';
export { RunEdgePass } from './run-edge-pass.usecase';
export type { EdgePassSummary } from './run-edge-pass.usecase';
export { IngestPushedRecords, UnknownCampaignError } from './ingest-pushed-records.usecase';
export type { IngestPushedRecordsCommand, IngestPushedRecordsOutcome } from './ingest-pushed-records.usecase';

// Its metrics port and labels (re-exported by the lib's index)
export { SyncMetrics, SYNC_PASS_OUTCOMES, SYNC_TASK_RUN_OUTCOMES, UNFIT_VALUE_LABELS } from './sync-metrics';
export type { SyncPassOutcome, SyncTaskRunOutcome, CampaignEndTrigger, CampaignEndOutcome } from './sync-metrics';
