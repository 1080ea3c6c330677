import { edgeOf, EdgeSubject } from './edges';
import { PauseReason, TaskStatus } from './statuses';

// Mon–Fri 09:00–18:00 Shanghai; 2026-12-01 is a Tuesday.
const window = { windowStart: '09:00', windowEnd: '18:00', windowDays: '1,2,3,4,5', windowTz: 'Asia/Shanghai' };
const OPEN = new Date('2026-12-01T03:00:00Z'); // 11:00 in Shanghai
const CLOSED = new Date('2026-12-01T12:00:00Z'); // 20:00 in Shanghai
const usable = () => Promise.resolve({ usable: true });
const closed = () => Promise.resolve({ usable: false, reason: 'bot_closed' });

function task(status: TaskStatus, pauseReason: string | null = null): EdgeSubject {
  return { status, pauseReason, ...window };
}

describe('edgeOf', () => {
  it.each([TaskStatus.Starting, TaskStatus.InProgress])(
    'a running task (%s) pauses when its BOT closes, whatever the window',
    async (status) => {
      await expect(edgeOf(task(status), OPEN, closed)).resolves.toEqual({
        action: 'pause',
        reason: 'bot_closed',
        suspends: true,
      });
      await expect(edgeOf(task(status), CLOSED, closed)).resolves.toEqual({
        action: 'pause',
        reason: 'bot_closed',
        suspends: true,
      });
    },
  );

  it('a running task pauses outside its window, and runs on inside it', async () => {
    await expect(edgeOf(task(TaskStatus.InProgress), CLOSED, usable)).resolves.toEqual({
      action: 'pause',
      reason: PauseReason.OutsideWindow,
      suspends: true,
    });
    await expect(edgeOf(task(TaskStatus.InProgress), OPEN, usable)).resolves.toBeNull();
  });

  it('a task the window paused resumes when it opens, and says so when its BOT closes meanwhile', async () => {
    const waiting = task(TaskStatus.Paused, PauseReason.OutsideWindow);
    await expect(edgeOf(waiting, OPEN, usable)).resolves.toEqual({ action: 'resume' });
    await expect(edgeOf(waiting, CLOSED, usable)).resolves.toBeNull();
    await expect(edgeOf(waiting, OPEN, closed)).resolves.toEqual({
      action: 'pause',
      reason: 'bot_closed',
      suspends: false,
    });
  });

  it.each([
    [TaskStatus.NotStarted, null],
    [TaskStatus.Paused, PauseReason.Recruiter],
    [TaskStatus.Paused, 'bot_closed'],
    [TaskStatus.Completed, null],
    [TaskStatus.Cancelled, null],
  ])('status %s (%s) is never at an edge, and its BOT is not even read', async (status, reason) => {
    const bot = jest.fn(closed);
    await expect(edgeOf(task(status, reason), OPEN, bot)).resolves.toBeNull();
    expect(bot).not.toHaveBeenCalled();
  });
});
