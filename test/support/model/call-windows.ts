/**
 * The call windows the model gives its tasks, and Shanghai wall-clock arithmetic for the clock moves. Shanghai
 * is UTC+8 all year (no daylight saving), so local time is a fixed shift of UTC.
 */

/** `evening` is only set by an edit (issue 22): closed at the model's mornings, so an edit to it closes the window now. */
export type WindowKind = 'always' | 'office' | 'weekdays' | 'evening';

export interface CallWindowBody {
  start: string;
  end: string;
  days: number[];
  timeZone: string;
}

export const WINDOWS: Record<WindowKind, CallWindowBody> = {
  always: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7], timeZone: 'Asia/Shanghai' },
  office: { start: '09:00', end: '20:00', days: [1, 2, 3, 4, 5, 6, 7], timeZone: 'Asia/Shanghai' },
  weekdays: { start: '09:00', end: '20:00', days: [1, 2, 3, 4, 5], timeZone: 'Asia/Shanghai' },
  evening: { start: '20:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7], timeZone: 'Asia/Shanghai' },
};

const SHANGHAI_OFFSET_MS = 8 * 3600_000;
const MINUTE = 60_000;
const DAY = 24 * 3600_000;

/** Local weekday (1 Monday … 7 Sunday) and minute of day in Shanghai. */
export function shanghaiLocal(at: Date): { weekday: number; minutes: number } {
  const local = new Date(at.getTime() + SHANGHAI_OFFSET_MS);
  return { weekday: ((local.getUTCDay() + 6) % 7) + 1, minutes: local.getUTCHours() * 60 + local.getUTCMinutes() };
}

/** The model's own reading of a window (the service has its own; the two are compared, never shared). */
export function windowOpen(kind: WindowKind, at: Date): boolean {
  const window = WINDOWS[kind];
  const { weekday, minutes } = shanghaiLocal(at);
  const [sh, sm] = window.start.split(':').map(Number);
  const [eh, em] = window.end.split(':').map(Number);
  return window.days.includes(weekday) && minutes >= sh * 60 + sm && minutes < eh * 60 + em;
}

/**
 * The first instant strictly after `after` at which Shanghai shows `hh:mm:ss` on a weekday `days` allows.
 * A few seconds past the minute, so a pass run at that instant is clearly on one side of the edge.
 */
export function nextShanghai(
  after: Date,
  hh: number,
  mm: number,
  days: readonly number[] = [1, 2, 3, 4, 5, 6, 7],
  ss = 5,
): Date {
  const local = new Date(after.getTime() + SHANGHAI_OFFSET_MS);
  const midnightLocalAsUtc = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  for (let day = 0; day <= 8; day++) {
    const candidate = new Date(
      midnightLocalAsUtc + day * DAY + hh * 3600_000 + mm * MINUTE + ss * 1000 - SHANGHAI_OFFSET_MS,
    );
    if (candidate.getTime() > after.getTime() && days.includes(shanghaiLocal(candidate).weekday)) return candidate;
  }
  throw new Error('unreachable: every weekday set used here is non-empty');
}

export const WEEKDAYS = [1, 2, 3, 4, 5];
