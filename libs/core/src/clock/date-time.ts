/**
 * ISO 8601 date-times in the extended format RFC 3339 profiles (`2027-12-31T08:00:00+08:00`; `T` or a space
 * between date and time; seconds and fraction optional; zone `Z`, `±HH:MM` or `±HHMM`), read without the
 * process's own zone ever entering. `new Date(text)` reads a date-time without a zone in the zone of whatever
 * machine runs it, and accepts impossible dates (Feb 30th becomes Mar 2nd) and a dozen other formats.
 */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;

/**
 * What a date-time without a zone means: `refuse` (our own API: the caller must say which instant it means) or
 * `utc` (the robot-call platform's wire, whose contract says UTC). A date alone counts as midnight without a zone.
 */
export type ZonelessDateTime = 'refuse' | 'utc';

/** The instant `text` names, or null when it is not such a date-time, is impossible, or is outside years 0–9999. */
export function parseDateTime(text: string, zoneless: ZonelessDateTime): Date | null {
  const m = DATE_TIME.exec(text);
  if (!m) return null;
  const [
    ,
    year,
    month,
    day,
    hour = '0',
    minute = '0',
    second = '0',
    fraction = '',
    utc,
    sign,
    offsetHours,
    offsetMinutes,
  ] = m;
  const hasZone = utc !== undefined || sign !== undefined;
  if (!hasZone && zoneless === 'refuse') return null;

  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  let offset = 0;
  if (sign !== undefined) {
    const [oh, om] = [Number(offsetHours), Number(offsetMinutes)];
    if (oh > 23 || om > 59) return null;
    offset = (sign === '-' ? -1 : 1) * (oh * 60 + om);
  }

  // Date.UTC would read years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi - offset, s, Number(fraction.padEnd(3, '0').slice(0, 3)));
  const shifted = date.getUTCFullYear();
  return shifted >= 0 && shifted <= 9999 ? date : null;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
