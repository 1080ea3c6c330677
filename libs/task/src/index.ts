// The task lib's contract: its module, its use cases and what they take and return (commands, views, the
// TaskAccess grant), its vocabulary (statuses, the transition table, what a task waits for), its errors, and
// its metrics port. Entities, repositories, leases and the launcher are internal: nothing outside reads or
// writes a task but through a use case.
export { TaskModule } from './task.module';
export { taskConfig } from './task.settings';
export type { TaskSettings } from './task.settings';

// Vocabulary
export {
  TaskStatus,
  CallTaskStatus,
  ContactStatus,
  CallResult,
  Intention,
  PauseReason,
  SkipReason,
  SYSTEM_PAUSE_REASONS,
} from './domain/statuses';
export { TASK_TRANSITIONS, CALL_TASK_TRANSITIONS, IllegalTransitionError } from './domain/transitions';
export { WAITING_FOR_VALUES } from './domain/waiting';
export type { WaitingFor, Waiting } from './domain/waiting';
export type { CallWindow } from './domain/call-window';
export type { ContactInput, RejectedContact, RejectionReason } from './domain/contact-intake';
export type { TaskAccess } from './domain/task-access';
export type { TaskLifecycleEvent } from './domain/task-events';

// Errors
export * from './errors/task-errors';

// The events lib's full-number port (FullPhoneSource) on the contact list, for the webhook relay
export { ContactFullPhones } from './contact-full-phones';
// The events lib's renderer of a page's `records` batch (EventBatchRenderer), for the modules that host its sequencer
export { ContactCalledEvents } from './sync';

// Use cases, with their commands and results
export * from './usecases/authorize-task-access.usecase';
export * from './usecases/create-task.usecase';
export * from './usecases/add-contacts.usecase';
export * from './usecases/get-task.usecase';
export * from './usecases/list-tasks.usecase';
export * from './usecases/list-contacts.usecase';
export * from './usecases/list-contact-calls.usecase';
export * from './usecases/start-task.usecase';
export * from './usecases/pause-task.usecase';
export * from './usecases/cancel-task.usecase';
export * from './usecases/export-contacts.usecase';
export * from './usecases/erase-candidates.usecase';
export * from './usecases/purge-expired-conversations.usecase';
export * from './usecases/edit-task.usecase';
export * from './usecases/withdraw-contacts.usecase';
export * from './usecases/follow-up-task.usecase';
export * from './usecases/run-scheduled-starts.usecase';
export type { IntakeReport, SkippedContact } from './contact-intake.service';

// Views
export type { TaskView, ContactView, CallView, ContactCallsView, Page } from './task.view';

// The sync engine's use cases the apps run, with their commands and results (the engine itself, one task's sync
// included, stays inside: libs/task/src/sync)
export { RunSyncPass, RunEdgePass, IngestPushedRecords, UnknownCampaignError } from './sync';
export type { SyncPassSummary, EdgePassSummary } from './sync';
export type { IngestPushedRecordsCommand, IngestPushedRecordsOutcome } from './sync';

// Metric names (the sync's metrics port is bound inside the module)
export { TASK_METRIC } from './metrics/task-metrics';
