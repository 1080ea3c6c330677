import { TaskEntity } from '../entities/task.entity';
import { NotTaskOwnerError, TaskNotFoundError } from '../errors/task-errors';

/** Who is asking: a recruiter account of a firm, as the platform asserts in its headers. */
export interface Caller {
  firmId: string;
  accountId: string;
}

/**
 * A task is only ever acted on by the account that created it. Another firm's task is reported as not found,
 * so ids of other firms reveal nothing; another account of the same firm gets NOT_TASK_OWNER.
 */
export function assertOwnedBy(task: TaskEntity | null, taskId: string, caller: Caller): TaskEntity {
  if (!task || String(task.firmId) !== String(caller.firmId)) throw new TaskNotFoundError(taskId);
  if (String(task.accountId) !== String(caller.accountId)) throw new NotTaskOwnerError(taskId);
  return task;
}
