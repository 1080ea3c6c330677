/**
 * When a task may call: a daily time range in a time zone, on some weekdays. Nobody is called outside it:
 * no campaign is created or started, and running ones are paused when it closes.
 */
export interface CallWindow {
  /** 'HH:MM', inclusive. */
  start: string;
  /** 'HH:MM' (or '24:00' for "until midnight"), exclusive; after `start` (no window across midnight). */
  end: string;
  /** ISO weekdays: 1 Monday … 7 Sunday. */
  days: number[];
  /** IANA zone, e.g. 'Asia/Shanghai'. */
  timeZone: string;
}

export const DEFAULT_CALL_WINDOW: CallWindow = {
  start: '09:00',
  end: '20:00',
  days: [1, 2, 3, 4, 5, 6, 7],
  timeZone: 'Asia/Shanghai',
};

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const WEEKDAY: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Why a window is malformed, or null when it is fine. */
export function callWindowProblem(window: CallWindow): string | null {
  if (!HHMM.test(window.start) || !(HHMM.test(window.end) || window.end === '24:00'))
    return 'start and end must be HH:MM';
  if (minutesOf(window.end) <= minutesOf(window.start)) return 'end must be after start (same day)';
  if (!window.days.length || window.days.some((d) => !Number.isInteger(d) || d < 1 || d > 7))
    return 'days must be ISO weekdays 1–7';
  if (!isValidTimeZone(window.timeZone)) return `unknown time zone ${window.timeZone}`;
  return null;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  weekday: number;
  minutes: number;
}

/** Building a DateTimeFormat is costly and the sync asks for local times often: one per zone. */
const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      weekday: 'short',
      hour: 'numeric',
      minute: 'numeric',
    });
    formats.set(timeZone, format);
  }
  return format;
}

function localTime(at: Date, timeZone: string): LocalTime {
  const parts = Object.fromEntries(
    formatFor(timeZone)
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    weekday: WEEKDAY[parts.weekday],
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/** The instant at which the wall clock of `timeZone` shows the given local date and minute of day. */
function instantOf(year: number, month: number, day: number, minutes: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day, 0, minutes);
  // Correct by the zone's offset at that moment; twice, for the rare guess that lands across a DST change.
  let instant = guess;
  for (let i = 0; i < 2; i++) {
    const shown = localTime(new Date(instant), timeZone);
    const shownAsUtc = Date.UTC(shown.year, shown.month - 1, shown.day, 0, shown.minutes);
    instant += guess - shownAsUtc;
  }
  return new Date(instant);
}

export function isWindowOpen(window: CallWindow, at: Date): boolean {
  const local = localTime(at, window.timeZone);
  return (
    window.days.includes(local.weekday) &&
    local.minutes >= minutesOf(window.start) &&
    local.minutes < minutesOf(window.end)
  );
}

/**
 * The first opening of the window strictly after the calendar day of `at` plus `skipDays` - 1 days: with
 * skipDays 0 the window's next opening (now if open), with 1 the first opening on a later day.
 */
export function nextWindowOpening(window: CallWindow, at: Date, skipDays = 0): Date {
  if (skipDays === 0 && isWindowOpen(window, at)) return at;
  const local = localTime(at, window.timeZone);
  for (let offset = skipDays; offset <= 8 + skipDays; offset++) {
    const day = new Date(Date.UTC(local.year, local.month - 1, local.day + offset));
    const weekday = ((day.getUTCDay() + 6) % 7) + 1;
    if (!window.days.includes(weekday)) continue;
    const opening = instantOf(
      day.getUTCFullYear(),
      day.getUTCMonth() + 1,
      day.getUTCDate(),
      minutesOf(window.start),
      window.timeZone,
    );
    if (opening.getTime() > at.getTime() || offset > 0) return opening;
  }
  throw new Error('a call window with at least one weekday always opens within a week');
}
