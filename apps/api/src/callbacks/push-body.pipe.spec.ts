import fc from 'fast-check';
import { decodeCallRecord } from '@app/campaign-gateway';
import { RobotCallPushDto } from './callback.dto';
import { PushBodyPipe } from './push-body.pipe';
import { buildValidationPipe, RequestValidationError } from '../http/validation';

const record = {
  record_id: 'rec_000001_000001',
  ref: '1001',
  call_result: 1,
  fail_reason: null,
  intention: 1,
  duration_sec: 42,
  called_at: '2026-11-28T02:03:04.000Z',
  recording_url: 'https://recordings.robot-call.example/r/1.mp3',
  transcript: '机器人：您好。\n候选人：你好，请讲。',
  summary: 'Interested.',
};
const push = { campaign_id: 'cmp_000001', records: [record] };

/** What the DTO's validation (the global ValidationPipe's rules) makes of a body: the DTO, or its refusal. */
async function byDto(body: unknown): Promise<{ dto?: RobotCallPushDto; refused?: unknown }> {
  try {
    return {
      dto: (await buildValidationPipe().transform(body, {
        type: 'body',
        metatype: RobotCallPushDto,
      })) as RobotCallPushDto,
    };
  } catch (error) {
    return { refused: error };
  }
}

/** Values a field may be sent with: right, wrong and in between. */
const tricky = fc.constantFrom<unknown>(
  null,
  '',
  'x',
  '1001',
  0,
  -0,
  -1,
  1,
  2,
  3,
  4,
  5,
  1.5,
  1e21,
  true,
  [],
  {},
  ['1'],
  '2026-11-28 10:03:04.5',
  '2026-11-28T10:03:04+08:00',
  'Nov 28 2026 10:03',
  '2026-13-40T10:03:04Z',
  'cmp_' + 'x'.repeat(61),
  'cmp with space',
);
const RECORD_FIELDS = [...Object.keys(record), 'extra', '__proto__'];

/** A push with a few of its fields (or its records' fields) changed, removed or added. */
const mutatedPush = fc
  .record({
    records: fc.array(
      fc.oneof(
        { weight: 3, arbitrary: fc.constant([] as [string, unknown][]) },
        {
          weight: 2,
          arbitrary: fc.array(fc.tuple(fc.constantFrom(...RECORD_FIELDS), fc.option(tricky, { nil: undefined })), {
            minLength: 1,
            maxLength: 2,
          }),
        },
      ),
      { minLength: 0, maxLength: 3 },
    ),
    campaign: fc.oneof(
      { weight: 5, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.option(tricky, { nil: undefined }) },
    ),
    extraTop: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    notAnObject: fc.oneof({ weight: 19, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: tricky }),
  })
  .map(({ records, campaign, extraTop, notAnObject }) => {
    if (notAnObject !== undefined) return notAnObject;
    const body: Record<string, unknown> = {
      campaign_id: campaign === null ? push.campaign_id : campaign,
      records: records.map((changes) => {
        const r: Record<string, unknown> = { ...record };
        for (const [key, value] of changes) {
          if (value === undefined) delete r[key];
          else r[key] = value;
        }
        return r;
      }),
    };
    if (campaign === undefined) delete body.campaign_id;
    if (extraTop) body.extra = 1;
    // Through JSON, as the body parser gives it (a `__proto__` key then an own property, as on the wire).
    return JSON.parse(JSON.stringify(body)) as unknown;
  });

describe('PushBodyPipe', () => {
  const sut = new PushBodyPipe();

  it('decodes a good push without the DTO validation, to what the DTO and the decoder give', async () => {
    const decoded = PushBodyPipe.decode(push);
    expect(decoded).toEqual({ campaignId: 'cmp_000001', records: [decodeCallRecord(record)] });
    expect(await sut.transform(push)).toEqual(decoded);
  });

  it('takes a push of 1,000 records, with the optional fields absent or null, and no more', () => {
    const { fail_reason: _f, recording_url: _u, transcript: _t, ...bare } = record;
    const many = Array.from({ length: 1000 }, (_, i) => ({ ...bare, record_id: `rec_${i}`, summary: null }));
    expect(PushBodyPipe.decode({ campaign_id: 'c', records: many })?.records).toHaveLength(1000);
    expect(PushBodyPipe.decode({ campaign_id: 'c', records: [...many, bare] })).toBeUndefined();
  });

  it('refuses a bad push as the DTO does: 400 naming each bad field', async () => {
    const body = {
      campaign_id: 'cmp 1',
      records: [{ ...record, call_result: 3, duration_sec: -1, extra: true }, 'x'],
      more: 1,
    };
    const { refused } = await byDto(body);
    expect(refused).toBeInstanceOf(RequestValidationError);
    await expect(sut.transform(body)).rejects.toEqual(refused);
    const fields = ((refused as RequestValidationError).details as { field: string }[]).map((d) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'more',
        'campaign_id',
        'records.0.call_result',
        'records.0.duration_sec',
        'records.0.extra',
        'records.1',
      ]),
    );
  });

  it('never takes a body the DTO refuses, and answers every body as the DTO does (property, 2,000 bodies)', async () => {
    let fast = 0;
    await fc.assert(
      fc.asyncProperty(mutatedPush, async (body) => {
        const decoded = PushBodyPipe.decode(body);
        const { dto, refused } = await byDto(body);
        if (decoded) {
          fast += 1;
          expect(refused).toBeUndefined();
          expect(decoded).toEqual({ campaignId: dto!.campaign_id, records: dto!.records.map(decodeCallRecord) });
        }
        if (refused) await expect(sut.transform(body)).rejects.toEqual(refused);
        else
          expect(await sut.transform(body)).toEqual({
            campaignId: dto!.campaign_id,
            records: dto!.records.map(decodeCallRecord),
          });
      }),
      { numRuns: 2000, seed: 23 },
    );
    // The property must exercise both ways.
    expect(fast).toBeGreaterThan(50);
  });
});
