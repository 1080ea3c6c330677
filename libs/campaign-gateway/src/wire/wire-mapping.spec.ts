import { spawnSync } from 'child_process';
import { join } from 'path';
import { ShapeError } from './shape';
import { decodeCallRecord, fromDetailData } from './wire-mapping';

const ROOT = join(__dirname, '..', '..', '..', '..');

const detailWith = (calledAt: unknown) => ({
  campaign_id: 'cmp_000001',
  status: 1,
  contact_count: 1,
  dialled_count: 1,
  records: [
    {
      record_id: 'rec_1',
      ref: '1',
      call_result: 1,
      fail_reason: null,
      intention: 1,
      duration_sec: 30,
      called_at: calledAt,
    },
  ],
  next_cursor: '1',
  has_more: false,
});

describe("fromDetailData: a record's called_at", () => {
  it.each([
    ['2026-11-28T02:03:04.000Z', '2026-11-28T02:03:04.000Z'],
    ['2026-11-28T10:03:04+08:00', '2026-11-28T02:03:04.000Z'],
    ['2026-11-28T10:03:04', '2026-11-28T10:03:04.000Z'],
    ['2026-11-28 10:03:04.5', '2026-11-28T10:03:04.500Z'],
  ])('%s is %s (no zone: UTC, as the contract says)', (wire, instant) => {
    const sut = fromDetailData(detailWith(wire));
    expect(sut.records[0].calledAt.toISOString()).toBe(instant);
  });

  it.each(['Nov 28 2026 10:03', '2026-11-31T10:03:04Z', '2026-11-28T10:03:04+25:00', '', 1764295384, null])(
    '%j makes the answer a broken one',
    (wire) => {
      expect(() => fromDetailData(detailWith(wire))).toThrow(ShapeError);
    },
  );

  it('is read the same by a process whose own zone is Asia/Shanghai', () => {
    // The zone of a running process cannot be changed from inside jest: a child process gets its own.
    const script = `
      const { fromDetailData } = require('./libs/campaign-gateway/src/wire/wire-mapping');
      const text = '2026-11-28T10:03:04';
      const mapped = fromDetailData(JSON.parse(process.argv[1])).records[0].calledAt.toISOString();
      process.stdout.write(JSON.stringify({ mapped, local: new Date(text).toISOString() }));`;
    const child = spawnSync(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        '-e',
        script,
        JSON.stringify(detailWith('2026-11-28T10:03:04')),
      ],
      {
        cwd: ROOT,
        env: { ...process.env, TZ: 'Asia/Shanghai', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(child.stderr).toBe('');
    // `local` proves the child really runs at +08:00: there, new Date() reads the same text 8 hours earlier.
    expect(JSON.parse(child.stdout)).toEqual({ mapped: '2026-11-28T10:03:04.000Z', local: '2026-11-28T02:03:04.000Z' });
  });
});

describe('decodeCallRecord: the conversation fields', () => {
  const record = {
    record_id: 'rec_1',
    ref: '1',
    call_result: 1,
    fail_reason: null,
    intention: 1,
    duration_sec: 30,
    called_at: '2026-11-28T02:03:04Z',
  };

  it('reads recording_url, transcript and summary when the platform gives them', () => {
    const sut = decodeCallRecord({
      ...record,
      recording_url: 'https://rec.example.com/r/1.mp3',
      transcript: '机器人：您好\n候选人：你好',
      summary: 'Interested; call back on Monday',
    });
    expect(sut).toMatchObject({
      recordingUrl: 'https://rec.example.com/r/1.mp3',
      transcript: '机器人：您好\n候选人：你好',
      summary: 'Interested; call back on Monday',
    });
  });

  it('reads an absent or null one as none, per record', () => {
    expect(decodeCallRecord(record)).toMatchObject({ recordingUrl: null, transcript: null, summary: null });
    expect(decodeCallRecord({ ...record, recording_url: null, transcript: 'only this', summary: null })).toMatchObject({
      recordingUrl: null,
      transcript: 'only this',
      summary: null,
    });
  });

  it.each([
    ['recording_url', 42],
    ['transcript', ['a line']],
    ['summary', { text: 'x' }],
  ])('refuses a %s that is not a string', (key, value) => {
    expect(() => decodeCallRecord({ ...record, [key]: value })).toThrow(ShapeError);
  });
});
