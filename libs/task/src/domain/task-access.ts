import { Caller } from '@app/core';
import { TaskEntity } from '../entities/task.entity';
import { NotTaskOwnerError, TaskNotFoundError } from '../errors/task-errors';

declare const granted: unique symbol;

/**
 * Proof that a caller may act on one task: made only by `AuthorizeTaskAccess` (the API's ownership guard), and
 * required by every use case on an existing task, so none can be reached without the check. A task's firm and
 * account never change, so the check needs no lock and is made once per request.
 */
export interface TaskAccess {
  readonly taskId: string;
  readonly caller: Caller;
  readonly [granted]: true;
}

/**
 * A task is only ever acted on by the account that created it. Another firm's task is reported as not found,
 * so ids of other firms reveal nothing; another account of the same firm gets NOT_TASK_OWNER.
 */
export function grantAccess(
  owner: Pick<TaskEntity, 'firmId' | 'accountId'> | null,
  taskId: string,
  caller: Caller,
): TaskAccess {
  if (!owner || String(owner.firmId) !== String(caller.firmId)) throw new TaskNotFoundError(taskId);
  if (String(owner.accountId) !== String(caller.accountId)) throw new NotTaskOwnerError(taskId);
  return { taskId: String(taskId), caller } as TaskAccess;
}
