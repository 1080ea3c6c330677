import { createHash } from 'crypto';
import type { IncomingRecord } from './call-outcome';

/**
 * The platform's values are stored in columns of fixed size, and strict MySQL refuses a value that does not fit
 * (the whole statement, so the whole page of records, on every pass). What comes from the wire is fitted here
 * first, field by field, on the one ingest path shared by the sync and pushed records; each value that did not
 * fit is reported, never silently changed.
 *
 * Lengths are in characters, as MySQL counts them for VARCHAR (utf8mb4): a string is cut by code points.
 */
export const RECORD_ID_LENGTH = 64;
export const FAIL_REASON_LENGTH = 16;
export const DETAIL_CURSOR_LENGTH = 64;
/** The longest call a record may report; longer is cut to it (also keeps `duration_sec` inside INT). */
export const MAX_CALL_SECONDS = 86_400;
/**
 * The conversation a record may carry (recording URL, transcript, summary) is stored in a table of its own beside
 * the call record (`call_conversation`, sealed; the record table stays narrow) and travels in the `contact.called`
 * event: these bound both. A URL is not cut (a cut URL is a broken one): one too long, or not http(s), is dropped.
 */
export const RECORDING_URL_LENGTH = 2048;
export const TRANSCRIPT_LENGTH = 20_000;
export const SUMMARY_LENGTH = 2_000;
/** Contact ids are BIGINT: a ref of more digits cannot name one. */
const REF_PATTERN = /^\d{1,19}$/;
/** DATETIME's range on MySQL (UTC on every connection). */
const EARLIEST_DATETIME = Date.UTC(1000, 0, 1);
const LATEST_DATETIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/** Prefix of a record id stored as the digest of one too long for its column. */
export const RECORD_ID_DIGEST_PREFIX = 'sha256:';

export type UnfitField =
  | 'record_id'
  | 'ref'
  | 'fail_reason'
  | 'duration_sec'
  | 'called_at'
  | 'next_cursor'
  | 'recording_url'
  | 'transcript'
  | 'summary';

/**
 * What was done with a value that did not fit: `cut` to the column (or the limit), `hashed` (a record id, stored
 * as its digest), `replaced` (a date outside the column's range, stored as the time it was received), `rejected`
 * (the record is not stored), `not_saved` (a paging cursor used but not stored), `dropped` (the value is left out,
 * the record kept: a recording URL too long or not http(s)).
 */
export type UnfitAction = 'cut' | 'hashed' | 'replaced' | 'rejected' | 'not_saved' | 'dropped';

export interface UnfitValue {
  field: UnfitField;
  action: UnfitAction;
  /** The record's id as received, cut for a log line (record ids are the platform's, never personal data). */
  recordId: string;
}

export interface FittedRecords {
  /** The records to store, in the order received, their values fitted. */
  records: IncomingRecord[];
  unfit: UnfitValue[];
}

/** Length in characters (code points), as MySQL counts a VARCHAR's. */
export function characters(value: string): number {
  return Array.from(value).length;
}

/**
 * Whether a string has more characters (code points) than `length`, counting them only when it could: a string
 * of no more UTF-16 units than that fits (units ≥ code points), so a transcript within bounds is never walked.
 */
export function longerThan(value: string, length: number): boolean {
  return value.length > length && characters(value) > length;
}

export function cutToCharacters(value: string, length: number): string {
  if (value.length <= length) return value; // UTF-16 units ≥ code points: it fits
  return characters(value) <= length ? value : Array.from(value).slice(0, length).join('');
}

/**
 * A record id too long for its column, as a key that fits: cutting it would make two ids that share their first
 * 64 characters one record (the second never stored), so it is replaced by its SHA-256 (224 bits, hex).
 * Deterministic: the same id, polled or pushed, always maps to the same key, so storing stays idempotent.
 */
export function recordIdDigest(recordId: string): string {
  return RECORD_ID_DIGEST_PREFIX + createHash('sha256').update(recordId, 'utf8').digest('hex').slice(0, 56);
}

/** The key a record id is stored under: itself, or its digest when too long for the column. */
export function storedRecordId(recordId: string): string {
  return longerThan(recordId, RECORD_ID_LENGTH) ? recordIdDigest(recordId) : recordId;
}

/**
 * Fits each record's values to the database, or rejects the record when it cannot be stored meaningfully:
 * - `record_id` empty: rejected (nothing to be idempotent on); longer than its column: stored as its digest;
 * - `ref` not a contact id (digits, within BIGINT): rejected, it cannot name one of this service's contacts;
 * - `fail_reason` longer than its column: cut;
 * - `duration_sec` beyond MAX_CALL_SECONDS: cut to it;
 * - `called_at` outside DATETIME's range: replaced by `receivedAt`;
 * - `recording_url` longer than RECORDING_URL_LENGTH or not an http(s) URL: dropped;
 * - `transcript`, `summary` longer than TRANSCRIPT_LENGTH, SUMMARY_LENGTH: cut.
 */
export function fitRecords(records: readonly IncomingRecord[], receivedAt: Date): FittedRecords {
  const fitted: IncomingRecord[] = [];
  const unfit: UnfitValue[] = [];
  for (const record of records) {
    const recordId = cutToCharacters(String(record.recordId ?? ''), RECORD_ID_LENGTH);
    const report = (field: UnfitField, action: UnfitAction) => unfit.push({ field, action, recordId });
    if (!record.recordId) {
      report('record_id', 'rejected');
      continue;
    }
    if (!REF_PATTERN.test(record.ref)) {
      report('ref', 'rejected');
      continue;
    }
    let next = record;
    const key = storedRecordId(record.recordId);
    if (key !== record.recordId) {
      next = { ...next, recordId: key };
      report('record_id', 'hashed');
    }
    if (record.failReason !== null && longerThan(record.failReason, FAIL_REASON_LENGTH)) {
      next = { ...next, failReason: cutToCharacters(record.failReason, FAIL_REASON_LENGTH) };
      report('fail_reason', 'cut');
    }
    if (record.durationSec > MAX_CALL_SECONDS) {
      next = { ...next, durationSec: MAX_CALL_SECONDS };
      report('duration_sec', 'cut');
    }
    const calledAt = record.calledAt.getTime();
    if (!(calledAt >= EARLIEST_DATETIME && calledAt <= LATEST_DATETIME)) {
      next = { ...next, calledAt: receivedAt };
      report('called_at', 'replaced');
    }
    if (record.recordingUrl && !recordingUrlFits(record.recordingUrl)) {
      next = { ...next, recordingUrl: null };
      report('recording_url', 'dropped');
    }
    if (record.transcript && longerThan(record.transcript, TRANSCRIPT_LENGTH)) {
      next = { ...next, transcript: cutToCharacters(record.transcript, TRANSCRIPT_LENGTH) };
      report('transcript', 'cut');
    }
    if (record.summary && longerThan(record.summary, SUMMARY_LENGTH)) {
      next = { ...next, summary: cutToCharacters(record.summary, SUMMARY_LENGTH) };
      report('summary', 'cut');
    }
    fitted.push(next);
  }
  return { records: fitted, unfit };
}

/** An absolute http(s) URL within RECORDING_URL_LENGTH: receivers fetch or link it, so nothing else is passed on. */
function recordingUrlFits(url: string): boolean {
  if (url.length > RECORDING_URL_LENGTH) return false;
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/** Whether a paging cursor fits its column (one that does not is used for the pass but not stored). */
export function cursorFits(cursor: string): boolean {
  return !longerThan(cursor, DETAIL_CURSOR_LENGTH);
}

/** One log line's worth: counts by field and action, with a few record ids; values themselves are never logged. */
export function describeUnfit(unfit: readonly UnfitValue[]): string {
  const groups = new Map<string, string[]>();
  for (const value of unfit) {
    const key = `${value.field} ${value.action}`;
    const ids = groups.get(key) ?? [];
    ids.push(value.recordId);
    groups.set(key, ids);
  }
  return [...groups.entries()]
    .map(([key, ids]) => `${key} ×${ids.length} (record ${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', …' : ''})`)
    .join('; ');
}
