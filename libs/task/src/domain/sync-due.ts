import { nextWindowOpening } from './call-window';
import { PauseReason } from './statuses';
import { taskCallWindow } from './task-window';
import { TaskEntity } from '../entities/task.entity';

/**
 * A paused task without a campaign is looked at by the sync again after this long at the latest: a safety net.
 * Whatever gives it something to do (resumed, cancelled, contacts added) makes it due at once (`sync_after`
 * cleared), and the edge pass resumes a task the window paused whatever its `sync_after`.
 */
export const PAUSED_RECHECK_MS = 24 * 3_600_000;

/**
 * A paused task's campaign, paused on the platform too, is read until nothing has changed on it for this long
 * (calls in flight at the pause end within a few minutes, and their results are read); then it rests like a
 * paused task without a campaign (`pausedSyncAfter`), until a status move or its window's opening.
 */
export const PAUSED_CAMPAIGN_SETTLE_MS = 10 * 60_000;

export type PausedSubject = Pick<TaskEntity, 'pauseReason' | 'windowStart' | 'windowEnd' | 'windowDays' | 'windowTz'>;

/**
 * Until when the sync has nothing to do for a paused task with no campaign (its `sync_after`): the window's next
 * opening for a task the window paused, nothing before a status move for the others (a recruiter's pause, a
 * closed or expired BOT, the platform's refusal); at most PAUSED_RECHECK_MS from `now`.
 */
export function pausedSyncAfter(task: PausedSubject, now: Date): Date {
  const horizon = new Date(now.getTime() + PAUSED_RECHECK_MS);
  if (task.pauseReason !== PauseReason.OutsideWindow) return horizon;
  const opening = nextWindowOpening(taskCallWindow(task), now);
  return opening < horizon ? opening : horizon;
}
