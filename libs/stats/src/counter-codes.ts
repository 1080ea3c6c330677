/**
 * The numbers the counters are keyed by: a contact's status, call result and intention as SPEC §2 fixes them (the
 * values the platform already stores). They are the task lib's vocabulary (`ContactStatus`, `CallResult`,
 * `Intention` of @app/task); this lib sits under the task lib (which reads its statistics for `task.completed`), so
 * it keeps its own copy of the few it adds up; the end-to-end suites that read statistics of real calls fail if
 * they ever disagreed.
 */
export enum ContactStatus {
  Waiting = 1,
  InCampaign = 2,
  Done = 3,
  Skipped = 4,
}

export enum CallResult {
  Connected = 1,
  Failed = 2,
}

export enum Intention {
  Interested = 1,
  NotConsidering = 2,
  Inconvenient = 3,
  WrongNumber = 4,
}
