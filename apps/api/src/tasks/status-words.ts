import { CallResult, CallTaskStatus, ContactStatus, Intention, TaskStatus } from '@app/task';
import { describeNumbers, enumNumbers } from '../http/enum-values';

/**
 * What each status number means, in the words the OpenAPI document uses. Records over the enums: a new
 * member does not compile until it has its words. The numbers themselves are the enums' (SPEC §2).
 */
const TASK_STATUS_WORDS: Record<TaskStatus, string> = {
  [TaskStatus.NotStarted]: 'not started',
  [TaskStatus.Starting]: 'starting (campaign not yet confirmed)',
  [TaskStatus.InProgress]: 'in progress',
  [TaskStatus.Paused]: 'paused',
  [TaskStatus.Completed]: 'completed',
  [TaskStatus.Cancelled]: 'cancelled',
};

const CALL_TASK_STATUS_WORDS: Record<CallTaskStatus, string> = {
  [CallTaskStatus.New]: 'new',
  [CallTaskStatus.InProgress]: 'in progress',
  [CallTaskStatus.Paused]: 'paused',
  [CallTaskStatus.Finished]: 'finished (finished remotely and read to its last record)',
};

const CONTACT_STATUS_WORDS: Record<ContactStatus, string> = {
  [ContactStatus.Waiting]: 'waiting',
  [ContactStatus.InCampaign]: 'in a campaign',
  [ContactStatus.Done]: 'done',
  [ContactStatus.Skipped]: 'skipped (see skipReason)',
};

const CALL_RESULT_WORDS: Record<CallResult, string> = {
  [CallResult.None]: 'none',
  [CallResult.Connected]: 'connected',
  [CallResult.Failed]: 'failed',
};

const INTENTION_WORDS: Record<Intention, string> = {
  [Intention.None]: 'none',
  [Intention.Interested]: 'interested',
  [Intention.NotConsidering]: 'not considering',
  [Intention.Inconvenient]: 'inconvenient',
  [Intention.WrongNumber]: 'wrong number',
};

export const TASK_STATUSES = enumNumbers(TaskStatus);
export const CALL_TASK_STATUSES = enumNumbers(CallTaskStatus);
export const CONTACT_STATUSES = enumNumbers(ContactStatus);
export const CALL_RESULTS = enumNumbers(CallResult);
export const INTENTIONS = enumNumbers(Intention);

export const TASK_STATUS_MEANINGS = describeNumbers(TASK_STATUS_WORDS);
export const CALL_TASK_STATUS_MEANINGS = describeNumbers(CALL_TASK_STATUS_WORDS);
export const CONTACT_STATUS_MEANINGS = describeNumbers(CONTACT_STATUS_WORDS);
export const CALL_RESULT_MEANINGS = describeNumbers(CALL_RESULT_WORDS);
export const INTENTION_MEANINGS = describeNumbers(INTENTION_WORDS);
