import { TaskEntity } from '../entities/task.entity';
import { InvalidTaskInputError } from '../errors/task-errors';
import { CallWindow, callWindowProblem } from './call-window';

/** A task's own settings as a create or a follow-up gives them, over their defaults. */
export interface TaskSettingsInput {
  batchSize?: number;
  maxAttempts?: number;
  retryGapMinutes?: number;
  callWindow?: Partial<CallWindow>;
}

/**
 * The settings columns of a new task: each given one over its default, the batch size and the window checked
 * (InvalidTaskInputError, VALIDATION_FAILED with the field). One rule for a create and a follow-up.
 */
export function resolveTaskSettings(
  input: TaskSettingsInput,
  defaults: Required<Omit<TaskSettingsInput, 'callWindow'>> & { callWindow: CallWindow; maxBatchSize: number },
): Pick<
  TaskEntity,
  'batchSize' | 'maxAttempts' | 'retryGapMinutes' | 'windowStart' | 'windowEnd' | 'windowDays' | 'windowTz'
> {
  const batchSize = input.batchSize ?? defaults.batchSize;
  if (batchSize > defaults.maxBatchSize) {
    const error = `batchSize may be at most ${defaults.maxBatchSize}`;
    throw new InvalidTaskInputError(error, [{ field: 'batchSize', errors: [error] }]);
  }
  const window: CallWindow = { ...defaults.callWindow, ...input.callWindow };
  const problem = callWindowProblem(window);
  if (problem)
    throw new InvalidTaskInputError(`callWindow: ${problem}`, [
      { field: 'callWindow', errors: [`callWindow: ${problem}`] },
    ]);
  return {
    batchSize,
    maxAttempts: input.maxAttempts ?? defaults.maxAttempts,
    retryGapMinutes: input.retryGapMinutes ?? defaults.retryGapMinutes,
    windowStart: window.start,
    windowEnd: window.end,
    windowDays: [...new Set(window.days)].sort().join(','),
    windowTz: window.timeZone,
  };
}
