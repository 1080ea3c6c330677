import { CallResult, Intention } from './statuses';
import {
  cursorFits,
  cutToCharacters,
  describeUnfit,
  fitRecords,
  MAX_CALL_SECONDS,
  RECORDING_URL_LENGTH,
  recordIdDigest,
  SUMMARY_LENGTH,
  TRANSCRIPT_LENGTH,
} from './wire-fit';
import type { IncomingRecord } from './call-outcome';

const NOW = new Date('2026-12-01T02:00:00.000Z');

function record(overrides: Partial<IncomingRecord> = {}): IncomingRecord {
  return {
    recordId: 'rec_1',
    ref: '101',
    callResult: CallResult.Failed,
    failReason: 'no_answer',
    intention: Intention.None,
    durationSec: 0,
    calledAt: new Date('2026-12-01T01:59:00.000Z'),
    ...overrides,
  };
}

describe('fitRecords: the platform’s values fitted to the database', () => {
  it('passes a record that fits through unchanged, reporting nothing', () => {
    const fitting = record({ failReason: 'x'.repeat(16), recordId: 'r'.repeat(64), durationSec: MAX_CALL_SECONDS });

    expect(fitRecords([fitting], NOW)).toEqual({ records: [fitting], unfit: [] });
  });

  it('cuts a fail_reason to 16 characters, counting characters (code points) as MySQL does, not bytes or UTF-16 units', () => {
    const reason = `忙${'😀'.repeat(20)}`;

    const { records, unfit } = fitRecords([record({ failReason: reason })], NOW);

    expect(records[0].failReason).toBe(`忙${'😀'.repeat(15)}`);
    expect(Array.from(records[0].failReason!)).toHaveLength(16);
    expect(unfit).toEqual([{ field: 'fail_reason', action: 'cut', recordId: 'rec_1' }]);
  });

  it('stores a record id too long for its column as its digest: deterministic, distinct for ids alike in their first 64 characters, and fitting', () => {
    const common = 'r'.repeat(70);

    const { records, unfit } = fitRecords(
      [record({ recordId: `${common}A` }), record({ recordId: `${common}B`, ref: '102' })],
      NOW,
    );

    expect(records.map((r) => r.recordId)).toEqual([recordIdDigest(`${common}A`), recordIdDigest(`${common}B`)]);
    expect(records[0].recordId).not.toBe(records[1].recordId);
    expect(records[0].recordId).toMatch(/^sha256:[0-9a-f]{56}$/);
    expect(recordIdDigest(`${common}A`)).toBe(records[0].recordId);
    expect(unfit.map((u) => [u.field, u.action, u.recordId.length])).toEqual([
      ['record_id', 'hashed', 64],
      ['record_id', 'hashed', 64],
    ]);
  });

  it('rejects a record with no record id, or whose ref cannot be a contact id, and keeps the others', () => {
    const good = record({ recordId: 'rec_ok' });

    const { records, unfit } = fitRecords(
      [
        record({ recordId: '' }),
        record({ recordId: 'rec_a', ref: 'abc' }),
        record({ recordId: 'rec_b', ref: '9'.repeat(20) }),
        good,
      ],
      NOW,
    );

    expect(records).toEqual([good]);
    expect(unfit).toEqual([
      { field: 'record_id', action: 'rejected', recordId: '' },
      { field: 'ref', action: 'rejected', recordId: 'rec_a' },
      { field: 'ref', action: 'rejected', recordId: 'rec_b' },
    ]);
  });

  it('cuts a duration beyond a day, and replaces a called_at outside DATETIME’s range by the time received', () => {
    const { records, unfit } = fitRecords(
      [
        record({ durationSec: 3_000_000_000 }),
        record({ recordId: 'rec_2', calledAt: new Date('+010000-01-01T00:00:00Z') }),
        record({ recordId: 'rec_3', calledAt: new Date('0999-12-31T23:59:59Z') }),
      ],
      NOW,
    );

    expect(records.map((r) => [r.durationSec, r.calledAt])).toEqual([
      [MAX_CALL_SECONDS, new Date('2026-12-01T01:59:00.000Z')],
      [0, NOW],
      [0, NOW],
    ]);
    expect(unfit.map((u) => `${u.field} ${u.action}`)).toEqual([
      'duration_sec cut',
      'called_at replaced',
      'called_at replaced',
    ]);
  });

  it('passes a conversation that fits through unchanged', () => {
    const url = `https://rec.example.com/${'a'.repeat(RECORDING_URL_LENGTH - 24)}`;
    const fitting = record({
      recordingUrl: url,
      transcript: '话'.repeat(TRANSCRIPT_LENGTH),
      summary: 's'.repeat(SUMMARY_LENGTH),
    });

    expect(url).toHaveLength(RECORDING_URL_LENGTH);
    expect(fitRecords([fitting], NOW)).toEqual({ records: [fitting], unfit: [] });
  });

  it('cuts a transcript to 20,000 and a summary to 2,000 characters, and drops a recording URL too long or not http(s), keeping the record', () => {
    const long = record({
      recordingUrl: `https://rec.example.com/${'a'.repeat(RECORDING_URL_LENGTH)}`,
      transcript: `${'😀'.repeat(TRANSCRIPT_LENGTH)}end`,
      summary: 'x'.repeat(SUMMARY_LENGTH + 1),
    });
    const odd = record({ recordId: 'rec_2', recordingUrl: 'javascript:alert(1)' });

    const { records, unfit } = fitRecords([long, odd], NOW);

    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      recordingUrl: null,
      transcript: '😀'.repeat(TRANSCRIPT_LENGTH),
      summary: 'x'.repeat(SUMMARY_LENGTH),
    });
    expect(records[1].recordingUrl).toBeNull();
    expect(unfit).toEqual([
      { field: 'recording_url', action: 'dropped', recordId: 'rec_1' },
      { field: 'transcript', action: 'cut', recordId: 'rec_1' },
      { field: 'summary', action: 'cut', recordId: 'rec_1' },
      { field: 'recording_url', action: 'dropped', recordId: 'rec_2' },
    ]);
  });

  it('describes what did not fit in one line, by field and action, with a few record ids and never a value', () => {
    const { unfit } = fitRecords(
      ['a', 'b', 'c', 'd']
        .map((id) => record({ recordId: id, failReason: 'secret text that is far too long' }))
        .concat(record({ ref: 'x' })),
      NOW,
    );

    const line = describeUnfit(unfit);

    expect(line).toBe('fail_reason cut ×4 (record a, b, c, …); ref rejected ×1 (record rec_1)');
    expect(line).not.toContain('secret');
  });
});

describe('cursors and cutting', () => {
  it('a cursor fits its column up to 64 characters', () => {
    expect(cursorFits('c'.repeat(64))).toBe(true);
    expect(cursorFits('c'.repeat(65))).toBe(false);
  });

  it('cutToCharacters never splits a character in two', () => {
    expect(cutToCharacters('ab😀c', 3)).toBe('ab😀');
    expect(cutToCharacters('abc', 5)).toBe('abc');
  });
});
