import { PAUSED_RECHECK_MS, pausedSyncAfter, PausedSubject } from './sync-due';
import { PauseReason } from './statuses';

const window = { windowStart: '09:00', windowEnd: '18:00', windowDays: '1,2,3,4,5', windowTz: 'Asia/Shanghai' };
const paused = (pauseReason: PauseReason): PausedSubject => ({ ...window, pauseReason });

describe('pausedSyncAfter', () => {
  // Tuesday 2026-12-01 20:00 in Shanghai (12:00 UTC): the window opens again on Wednesday at 09:00 (01:00 UTC).
  const now = new Date('2026-12-01T12:00:00Z');

  it("a task the window paused: the window's next opening", () => {
    expect(pausedSyncAfter(paused(PauseReason.OutsideWindow), now).toISOString()).toBe('2026-12-02T01:00:00.000Z');
  });

  it('at most a day away, when the window opens later than that', () => {
    const friday = new Date('2026-12-04T12:00:00Z'); // Friday 20:00: the next opening is Monday
    expect(pausedSyncAfter(paused(PauseReason.OutsideWindow), friday).getTime()).toBe(
      friday.getTime() + PAUSED_RECHECK_MS,
    );
  });

  it.each([PauseReason.Recruiter, PauseReason.BotClosed, PauseReason.BotExpired, PauseReason.PlatformRejected])(
    'paused for %s: nothing before a status move, so the safety net, a day away',
    (reason) => {
      expect(pausedSyncAfter(paused(reason), now).getTime()).toBe(now.getTime() + PAUSED_RECHECK_MS);
    },
  );
});
