import { callWindowProblem, CallWindow, DEFAULT_CALL_WINDOW, isWindowOpen, nextWindowOpening } from './call-window';

const shanghai = DEFAULT_CALL_WINDOW; // 09:00–20:00 Asia/Shanghai (UTC+8), every day
const weekdays: CallWindow = { start: '10:00', end: '18:30', days: [1, 2, 3, 4, 5], timeZone: 'Asia/Shanghai' };

describe('call window', () => {
  it('is open from start (inclusive) to end (exclusive) in the window’s zone', () => {
    expect(isWindowOpen(shanghai, new Date('2026-11-28T00:59:00Z'))).toBe(false); // 08:59 in Shanghai
    expect(isWindowOpen(shanghai, new Date('2026-11-28T01:00:00Z'))).toBe(true); // 09:00
    expect(isWindowOpen(shanghai, new Date('2026-11-28T11:59:00Z'))).toBe(true); // 19:59
    expect(isWindowOpen(shanghai, new Date('2026-11-28T12:00:00Z'))).toBe(false); // 20:00
  });

  it('honours weekdays: 2026-11-28 is a Saturday', () => {
    expect(isWindowOpen(weekdays, new Date('2026-11-28T03:00:00Z'))).toBe(false);
    expect(isWindowOpen(weekdays, new Date('2026-11-30T03:00:00Z'))).toBe(true); // Monday 11:00
  });

  it('next opening: now when open, later today, or the next allowed day', () => {
    const open = new Date('2026-11-28T03:00:00Z');
    expect(nextWindowOpening(shanghai, open)).toEqual(open);
    expect(nextWindowOpening(shanghai, new Date('2026-11-27T23:00:00Z'))).toEqual(new Date('2026-11-28T01:00:00Z'));
    expect(nextWindowOpening(shanghai, new Date('2026-11-28T13:00:00Z'))).toEqual(new Date('2026-11-29T01:00:00Z'));
    expect(nextWindowOpening(weekdays, new Date('2026-11-28T03:00:00Z'))).toEqual(new Date('2026-11-30T02:00:00Z'));
  });

  it('skipDays 1 gives the first opening on a later day (a callback "tomorrow")', () => {
    expect(nextWindowOpening(shanghai, new Date('2026-11-28T03:00:00Z'), 1)).toEqual(new Date('2026-11-29T01:00:00Z'));
    expect(nextWindowOpening(weekdays, new Date('2026-11-27T03:00:00Z'), 1)).toEqual(new Date('2026-11-30T02:00:00Z'));
  });

  it('handles a zone with daylight saving time', () => {
    const london: CallWindow = { start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5, 6, 7], timeZone: 'Europe/London' };
    expect(nextWindowOpening(london, new Date('2026-07-01T12:00:00Z'), 1)).toEqual(new Date('2026-07-02T08:00:00Z'));
    expect(nextWindowOpening(london, new Date('2026-12-01T12:00:00Z'), 1)).toEqual(new Date('2026-12-02T09:00:00Z'));
  });

  it('a window until 24:00 is open all day', () => {
    const always: CallWindow = { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7], timeZone: 'Asia/Shanghai' };
    expect(callWindowProblem(always)).toBeNull();
    expect(isWindowOpen(always, new Date('2026-11-28T15:59:30Z'))).toBe(true); // 23:59:30 in Shanghai
    expect(isWindowOpen(always, new Date('2026-11-28T16:00:00Z'))).toBe(true); // 00:00
  });

  it('reports malformed windows', () => {
    expect(callWindowProblem(shanghai)).toBeNull();
    expect(callWindowProblem({ ...shanghai, start: '9:00' })).toMatch(/HH:MM/);
    expect(callWindowProblem({ ...shanghai, start: '20:00', end: '09:00' })).toMatch(/after/);
    expect(callWindowProblem({ ...shanghai, days: [0] })).toMatch(/weekdays/);
    expect(callWindowProblem({ ...shanghai, days: [] })).toMatch(/weekdays/);
    expect(callWindowProblem({ ...shanghai, timeZone: 'Mars/Olympus' })).toMatch(/time zone/);
  });
});
