/** The expiry notices of one grant, a bit each in `ai_visitor_firm_bot.expiry_notices`. */
export const EXPIRY_NOTICE = { week: 1, day: 2, expired: 4 } as const;
export const ALL_EXPIRY_NOTICES = EXPIRY_NOTICE.week | EXPIRY_NOTICE.day | EXPIRY_NOTICE.expired;

const DAY_MS = 24 * 3600_000;
/** How far ahead of the expiry the first notice goes out; grants are read from this far ahead. */
export const EXPIRY_NOTICE_AHEAD_MS = 7 * DAY_MS;
/**
 * How long after the expiry its notice is still worth sending (a worker down over a weekend still tells
 * operations); an expiry older than this, never announced (e.g. granted in the past, or before this job
 * existed), is history and stays silent, so a first run does not announce every firm that ever expired.
 */
export const EXPIRED_NOTICE_LOOKBACK_MS = 7 * DAY_MS;

export interface DueExpiryNotice {
  type: 'firm.bot_expiring' | 'firm.bot_expired';
  /** 7 (within a week), 1 (within a day) or 0 (expired): the notice, not a count of the days left. */
  daysLeft: 7 | 1 | 0;
  /** The grant's notices once this one is recorded. */
  notices: number;
}

/**
 * The notice a grant is due now, given those already sent for its expiry: only the most urgent one. A notice
 * overtaken before it went out (a grant made 3 days before its expiry gets no "a week left" later than the
 * "a day left", nor an "a day left" after it expired) is marked sent without being sent: a stale warning is noise.
 */
export function dueExpiryNotice(expireAt: Date, now: Date, sent: number): DueExpiryNotice | null {
  const left = expireAt.getTime() - now.getTime();
  if (left <= 0) {
    if (sent & EXPIRY_NOTICE.expired || -left > EXPIRED_NOTICE_LOOKBACK_MS) return null;
    return { type: 'firm.bot_expired', daysLeft: 0, notices: ALL_EXPIRY_NOTICES };
  }
  if (left <= DAY_MS) {
    if (sent & EXPIRY_NOTICE.day) return null;
    return { type: 'firm.bot_expiring', daysLeft: 1, notices: sent | EXPIRY_NOTICE.week | EXPIRY_NOTICE.day };
  }
  if (left <= EXPIRY_NOTICE_AHEAD_MS) {
    if (sent & EXPIRY_NOTICE.week) return null;
    return { type: 'firm.bot_expiring', daysLeft: 7, notices: sent | EXPIRY_NOTICE.week };
  }
  return null;
}
