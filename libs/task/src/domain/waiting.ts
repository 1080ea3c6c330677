import { CallTaskStatus, PauseReason, TaskStatus } from './statuses';
import { CallWindow, isWindowOpen, nextWindowOpening } from './call-window';

/**
 * What a task that is not finished and has no campaign running waits for:
 *  - `call_window`: the window is closed; `nextActionAt` is its next opening;
 *  - `retry_gap` / `callback`: every contact left waits for its retry gap or its "inconvenient" callback;
 *    `nextActionAt` is the earliest one due;
 *  - `platform`: a campaign is recorded but the platform has not confirmed it yet (being created, started,
 *    paused or read); the worker retries on its next pass;
 *  - `worker`: contacts are due or the last campaign is read: the worker's next pass opens the next campaign
 *    or completes the task;
 *  - `bot`: the firm's BOT closed or expired; once operations reopen it, the recruiter starts the task again;
 *  - `recruiter`: paused by the recruiter, or refused by the platform (`platform_rejected`, see `lastError`):
 *    only the recruiter's start resumes it;
 *  - `scheduled`: a task not started whose recruiter set a start time (`startAt`); `nextActionAt` is that time.
 *    Once it has passed, the worker's minute check starts it (`worker`), or, while the firm's BOT is closed or
 *    expired, it stays scheduled and waits for the BOT (`bot`) and starts at the first minute check after it
 *    reopens.
 */
export type WaitingFor =
  'call_window' | 'retry_gap' | 'callback' | 'platform' | 'worker' | 'bot' | 'recruiter' | 'scheduled';

export const WAITING_FOR_VALUES = [
  'call_window',
  'retry_gap',
  'callback',
  'platform',
  'worker',
  'bot',
  'recruiter',
  'scheduled',
] as const satisfies readonly WaitingFor[];

export interface Waiting {
  waitingFor: WaitingFor | null;
  /** When the wait ends by itself, for the time-based reasons; null otherwise. */
  nextActionAt: Date | null;
}

export interface WaitingInput {
  status: TaskStatus;
  pauseReason: string | null;
  window: CallWindow;
  /** The active call task's status, if the task has one. */
  activeCampaign: CallTaskStatus | null;
  /** The earliest waiting contact (null: none waits), read only when needed. */
  nextDue: () => Promise<{ at: Date | null; callback: boolean } | null>;
  /** When a task not started is scheduled to start (null: not scheduled). */
  startAt?: Date | null;
  /** Whether the firm's BOT may dial now, read only for a scheduled task whose time has passed. */
  botUsable?: () => Promise<boolean>;
  now: Date;
}

const NOT_WAITING: Waiting = { waitingFor: null, nextActionAt: null };

/** A task not started waits for nothing: it has not been asked to do anything yet. */
export const NOT_STARTED_WAITING: Waiting = NOT_WAITING;

export async function whyWaiting(input: WaitingInput): Promise<Waiting> {
  const { status, now } = input;
  if (status === TaskStatus.NotStarted && input.startAt) {
    if (input.startAt.getTime() > now.getTime()) return { waitingFor: 'scheduled', nextActionAt: input.startAt };
    const usable = input.botUsable ? await input.botUsable() : true;
    return { waitingFor: usable ? 'worker' : 'bot', nextActionAt: null };
  }
  if (status === TaskStatus.NotStarted || status === TaskStatus.Completed || status === TaskStatus.Cancelled)
    return NOT_WAITING;
  if (status === TaskStatus.Paused) {
    switch (input.pauseReason) {
      case PauseReason.OutsideWindow:
        return { waitingFor: 'call_window', nextActionAt: nextWindowOpening(input.window, now) };
      case PauseReason.BotClosed:
      case PauseReason.BotExpired:
        return { waitingFor: 'bot', nextActionAt: null };
      default:
        return { waitingFor: 'recruiter', nextActionAt: null };
    }
  }
  if (status === TaskStatus.InProgress && input.activeCampaign === CallTaskStatus.InProgress) return NOT_WAITING;
  if (!isWindowOpen(input.window, now))
    return { waitingFor: 'call_window', nextActionAt: nextWindowOpening(input.window, now) };
  if (input.activeCampaign !== null || status === TaskStatus.Starting)
    return { waitingFor: 'platform', nextActionAt: null };
  const due = await input.nextDue();
  if (due?.at && due.at.getTime() > now.getTime()) {
    return { waitingFor: due.callback ? 'callback' : 'retry_gap', nextActionAt: due.at };
  }
  return { waitingFor: 'worker', nextActionAt: null };
}
