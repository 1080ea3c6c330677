import { TaskEntity } from '../entities/task.entity';
import { isWindowOpen } from './call-window';
import { PauseReason, TaskStatus } from './statuses';
import { taskCallWindow } from './task-window';

/** Whether the firm's BOT may dial, and if not the pause reason (`bot_closed`, `bot_expired`). */
export interface BotCheck {
  usable: boolean;
  reason?: string;
}

/**
 * What the BOT or the call window does to a task now:
 *  - `pause`: a running task must stop (`suspends`: it was running), or a task the window paused now also lacks
 *    its BOT (the reason changes, so it says what it really waits for);
 *  - `resume`: a task the window paused may run again (its window opened, its BOT is usable);
 *  - null: nothing. A recruiter's pause and the other statuses are never an edge.
 */
export type TaskEdge = { action: 'pause'; reason: PauseReason; suspends: boolean } | { action: 'resume' } | null;

/**
 * The firms' BOT entitlements as one pass sees them: each firm read once per pass (a pass over thousands of tasks
 * of a few firms must not read the same row thousands of times). The edge decided under a task's lock reads it
 * fresh.
 */
export class BotChecks {
  private readonly checks = new Map<string, Promise<BotCheck>>();

  constructor(private readonly read: (firmId: string) => Promise<BotCheck>) {}

  of(firmId: string): Promise<BotCheck> {
    let check = this.checks.get(firmId);
    if (!check) this.checks.set(firmId, (check = this.read(firmId)));
    return check;
  }
}

export type EdgeSubject = Pick<
  TaskEntity,
  'status' | 'pauseReason' | 'windowStart' | 'windowEnd' | 'windowDays' | 'windowTz'
>;

/**
 * The one edge rule, used by the sync's cheap look, by the sync under the task's lock, and by the edge pass.
 * The BOT comes first (a closed BOT is the reason, whatever the window); it is read only for tasks an edge can
 * change (`bot` is called at most once).
 */
export async function edgeOf(task: EdgeSubject, now: Date, bot: () => Promise<BotCheck>): Promise<TaskEdge> {
  const running = task.status === TaskStatus.Starting || task.status === TaskStatus.InProgress;
  const windowPaused = task.status === TaskStatus.Paused && task.pauseReason === PauseReason.OutsideWindow;
  if (!running && !windowPaused) return null;
  const entitlement = await bot();
  if (!entitlement.usable) return { action: 'pause', reason: entitlement.reason as PauseReason, suspends: running };
  const open = isWindowOpen(taskCallWindow(task), now);
  if (running && !open) return { action: 'pause', reason: PauseReason.OutsideWindow, suspends: true };
  if (windowPaused && open) return { action: 'resume' };
  return null;
}
