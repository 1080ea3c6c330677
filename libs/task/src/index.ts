// The task lib's contract: its module, its use cases and what they take and return (commands, views, the
// TaskAccess grant), its vocabulary (statuses, the transition table, what a task waits for), its errors, and
// its metrics port. Entities, repositories, leases and the launcher are internal: nothing outside reads or
// writes a task but through a use case.
export { TaskModule } from './task.module';
export { taskConfig } from './task.settings';
export type { TaskSettings } from './task.settings';

// Vocabulary
export { TaskStatus, CallTaskStatus, ContactStatus, CallResult, Intention, PauseReason, SYSTEM_PAUSE_REASONS } from './domain/statuses';
export { TASK_TRANSITIONS, CALL_TASK_TRANSITIONS, IllegalTransitionError } from './domain/transitions';
export { WAITING_FOR_VALUES } from './domain/waiting';
export type { WaitingFor, Waiting } from './domain/waiting';
export type { CallWindow } from './domain/call-window';
export type { ContactInput, RejectedContact, RejectionReason } from './domain/contact-intake';
export type { UnfitAction, UnfitField } from './domain/wire-fit';
export type { TaskAccess } from './domain/task-access';
export { summarizeCounters, TASK_COUNTERS_SQL } from './domain/task-stats';
export type { TaskStats, CounterRow } from './domain/task-stats';
export type { TaskLifecycleEvent } from './domain/task-events';

// Errors
export * from './errors/task-errors';
export { LeaseLostError } from './sync-fence';
export type { SyncFence } from './sync-fence';

// Sync leases: what RunSyncPass claims tasks with, for a worker (or a test) that drives SyncTask itself
export { SyncLeases } from './sync-leases';
// Moves a task on once its campaign's end is noticed outside a pass (a push, the minute check's probe)
export { CampaignEndFollower } from './campaign-end-follower';

// The events lib's full-number port (FullPhoneSource) on the contact list, for the webhook relay
export { ContactFullPhones } from './contact-full-phones';

// Use cases, with their commands and results
export * from './usecases/authorize-task-access.usecase';
export * from './usecases/create-task.usecase';
export * from './usecases/add-contacts.usecase';
export * from './usecases/get-task.usecase';
export * from './usecases/list-tasks.usecase';
export * from './usecases/list-contacts.usecase';
export * from './usecases/start-task.usecase';
export * from './usecases/pause-task.usecase';
export * from './usecases/cancel-task.usecase';
export * from './usecases/sync-task.usecase';
export * from './usecases/run-sync-pass.usecase';
export * from './usecases/run-edge-pass.usecase';
export * from './usecases/ingest-pushed-records.usecase';
export * from './usecases/export-contacts.usecase';
export type { IntakeReport, SkippedContact } from './contact-intake.service';

// Views
export type { TaskView, ContactView, Page } from './task.view';

// Metrics port
export { SyncMetrics, SYNC_PASS_OUTCOMES, SYNC_TASK_RUN_OUTCOMES, UNFIT_VALUE_LABELS } from './metrics/sync-metrics';
export type { SyncPassOutcome, SyncTaskRunOutcome, CampaignEndTrigger, CampaignEndOutcome } from './metrics/sync-metrics';
export { TASK_METRIC } from './metrics/task-metrics';
