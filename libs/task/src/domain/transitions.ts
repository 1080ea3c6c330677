import { DomainError, ErrorKind } from '@app/core';
import { CallTaskStatus, TaskStatus } from './statuses';

/**
 * The one table of task status changes. Every use case and the sync change a task's status only through
 * TaskRepository.transition, which checks each move against this table: a move not listed is a programming
 * error (IllegalTransitionError), never a silent no-op. Staying in a status (e.g. a paused task whose pause
 * reason changes) is always allowed.
 *
 *  1 not started → 2 starting (a campaign is prepared), 3 in progress (contacts wait for their retry gap),
 *                  4 paused (started outside the call window), 6 cancelled
 *  2 starting    → 3 (the campaign is confirmed running), 4 (paused before confirmation, refused by the
 *                  platform, window closed, BOT gone), 6
 *  3 in progress → 2 (the next campaign is prepared), 4, 5 (nothing left to call), 6
 *  4 paused      → 2 (resumed with a campaign to start), 3 (resumed between campaigns), 5 (its last campaign
 *                  ended while paused and nothing is left), 6
 *  5 completed, 6 cancelled: final.
 */
export const TASK_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  [TaskStatus.NotStarted]: [TaskStatus.Starting, TaskStatus.InProgress, TaskStatus.Paused, TaskStatus.Cancelled],
  [TaskStatus.Starting]: [TaskStatus.InProgress, TaskStatus.Paused, TaskStatus.Cancelled],
  [TaskStatus.InProgress]: [TaskStatus.Starting, TaskStatus.Paused, TaskStatus.Completed, TaskStatus.Cancelled],
  [TaskStatus.Paused]: [TaskStatus.Starting, TaskStatus.InProgress, TaskStatus.Completed, TaskStatus.Cancelled],
  [TaskStatus.Completed]: [],
  [TaskStatus.Cancelled]: [],
};

/**
 * Call task (remote campaign) status changes. 0 new → 1 when the platform confirms the start, → 2 when the task
 * is paused before it ever ran, → 3 when it is given up before the platform created it (cancelled, refused).
 * 1 ⇄ 2 follow the confirmed remote pause and start. → 3 only once the campaign is finished remotely and every
 * record of it has been read (or it never existed remotely).
 */
export const CALL_TASK_TRANSITIONS: Readonly<Record<CallTaskStatus, readonly CallTaskStatus[]>> = {
  [CallTaskStatus.New]: [CallTaskStatus.InProgress, CallTaskStatus.Paused, CallTaskStatus.Finished],
  [CallTaskStatus.InProgress]: [CallTaskStatus.Paused, CallTaskStatus.Finished],
  [CallTaskStatus.Paused]: [CallTaskStatus.InProgress, CallTaskStatus.Finished],
  [CallTaskStatus.Finished]: [],
};

export class IllegalTransitionError extends DomainError {
  readonly code = 'ILLEGAL_TRANSITION';
  readonly kind = ErrorKind.Conflict;
  constructor(what: 'task' | 'call task', from: number, to: number) {
    super(`A ${what} cannot move from status ${from} to ${to}`);
  }
}

export function canMoveTask(from: TaskStatus, to: TaskStatus): boolean {
  return from === to || TASK_TRANSITIONS[from].includes(to);
}

export function canMoveCallTask(from: CallTaskStatus, to: CallTaskStatus): boolean {
  return from === to || CALL_TASK_TRANSITIONS[from].includes(to);
}

/** Checks every move a compare-and-set from any of `from` to `to` could make. */
export function assertTaskMoves(from: readonly TaskStatus[], to: TaskStatus | undefined): void {
  if (to === undefined) return;
  for (const status of from) if (!canMoveTask(status, to)) throw new IllegalTransitionError('task', status, to);
}

export function assertCallTaskMoves(from: readonly CallTaskStatus[], to: CallTaskStatus | undefined): void {
  if (to === undefined) return;
  for (const status of from)
    if (!canMoveCallTask(status, to)) throw new IllegalTransitionError('call task', status, to);
}

/** What the remote campaign of a task should be doing, as the task's status records it (the intent). */
export type CampaignIntent = 'running' | 'paused' | 'stopped';

export function campaignIntent(status: TaskStatus): CampaignIntent {
  switch (status) {
    case TaskStatus.Starting:
    case TaskStatus.InProgress:
      return 'running';
    case TaskStatus.NotStarted:
    case TaskStatus.Paused:
      return 'paused';
    case TaskStatus.Completed:
    case TaskStatus.Cancelled:
      return 'stopped';
  }
}
