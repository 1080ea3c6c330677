import { DomainError, ErrorKind } from '@app/core';

export class TaskNotFoundError extends DomainError {
  readonly code = 'TASK_NOT_FOUND';
  readonly kind = ErrorKind.NotFound;
  constructor(taskId: string) {
    super(`Task ${taskId} does not exist`);
  }
}

export class NotTaskOwnerError extends DomainError {
  readonly code = 'NOT_TASK_OWNER';
  readonly kind = ErrorKind.Forbidden;
  constructor(taskId: string) {
    super(`Task ${taskId} belongs to another account`);
  }
}

/** A contact id that is not one of the task's contacts (also one of another task). */
export class ContactNotFoundError extends DomainError {
  readonly code = 'CONTACT_NOT_FOUND';
  readonly kind = ErrorKind.NotFound;
  constructor(taskId: string, contactId: string) {
    super(`Task ${taskId} has no contact ${contactId}`);
  }
}

export class TaskNotRunningError extends DomainError {
  readonly code = 'TASK_NOT_RUNNING';
  readonly kind = ErrorKind.Conflict;
  constructor(taskId: string) {
    super(`Task ${taskId} has no campaign in progress`);
  }
}

export class NoContactsWaitingError extends DomainError {
  readonly code = 'NO_CONTACTS_WAITING';
  readonly kind = ErrorKind.Conflict;
  constructor(taskId: string) {
    super(`Task ${taskId} has no contact waiting to be called`);
  }
}

export class TaskFinishedError extends DomainError {
  readonly code = 'TASK_FINISHED';
  readonly kind = ErrorKind.Conflict;
  constructor(taskId: string, status: string) {
    super(`Task ${taskId} is already ${status}`);
  }
}

/** A task setting the DTO cannot judge alone; details `[{ field, errors[] }]`, like every VALIDATION_FAILED. */
export class InvalidTaskInputError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  readonly kind = ErrorKind.Invalid;
}

/** A start at a set time asked of a task that has already started (only a task not started can be scheduled). */
export class TaskAlreadyStartedError extends DomainError {
  readonly code = 'TASK_ALREADY_STARTED';
  readonly kind = ErrorKind.Conflict;
  constructor(taskId: string) {
    super(`Task ${taskId} has already started: only a task not started can be scheduled`);
  }
}

/** A follow-up asked of a task that is neither finished nor paused (its contacts' results are still coming). */
export class TaskNotSettledError extends DomainError {
  readonly code = 'TASK_NOT_SETTLED';
  readonly kind = ErrorKind.Conflict;
  constructor(taskId: string, status: string) {
    super(`A follow-up is made from a finished or paused task; task ${taskId} is ${status}`);
  }
}

/** A follow-up whose filter matches no contact of its source task: no task is created, no quota slot taken. */
export class NoContactsMatchError extends DomainError {
  readonly code = 'NO_CONTACTS_MATCH';
  readonly kind = ErrorKind.Conflict;
  constructor(taskId: string) {
    super(`No contact of task ${taskId} matches the filter`);
  }
}
