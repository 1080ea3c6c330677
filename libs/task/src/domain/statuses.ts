/** Status numbers of SPEC §2: the platform already stores these, so they never change. */

export enum TaskStatus {
  NotStarted = 1,
  /** Start accepted, remote campaign not confirmed yet. */
  Starting = 2,
  InProgress = 3,
  Paused = 4,
  Completed = 5,
  Cancelled = 6,
}

export enum CallTaskStatus {
  New = 0,
  InProgress = 1,
  Paused = 2,
  Finished = 3,
}

export const ACTIVE_CALL_TASK_STATUSES = [CallTaskStatus.New, CallTaskStatus.InProgress, CallTaskStatus.Paused];

export enum ContactStatus {
  Waiting = 1,
  InCampaign = 2,
  Done = 3,
  Skipped = 4,
}

export enum CallResult {
  None = 0,
  Connected = 1,
  Failed = 2,
}

export enum Intention {
  None = 0,
  Interested = 1,
  NotConsidering = 2,
  Inconvenient = 3,
  WrongNumber = 4,
}

/** Why a contact is skipped (status 4): never called again. */
export enum SkipReason {
  DoNotCall = 'do_not_call',
  Invalid = 'invalid',
  Cooling = 'cooling',
  Cancelled = 'cancelled',
  /** The recruiter withdrew it (POST /v1/tasks/:id/contacts/withdraw); a result it already had is kept. */
  Withdrawn = 'withdrawn',
}

/** Why a task is paused: by its recruiter, or by the system (the recruiter's start clears either). */
export enum PauseReason {
  Recruiter = 'recruiter',
  BotExpired = 'bot_expired',
  BotClosed = 'bot_closed',
  /** The call window closed; the worker resumes the task when it opens. */
  OutsideWindow = 'outside_window',
  /** The platform refused to create or start the campaign (bounded retries): `lastError` says why. */
  PlatformRejected = 'platform_rejected',
}

/** Pause reasons the system set and the system lifts (the BOT ones need the recruiter once it is open again). */
export const SYSTEM_PAUSE_REASONS: readonly string[] = [
  PauseReason.BotExpired,
  PauseReason.BotClosed,
  PauseReason.OutsideWindow,
  PauseReason.PlatformRejected,
];

export const FINISHED_TASK_STATUSES = [TaskStatus.Completed, TaskStatus.Cancelled];
