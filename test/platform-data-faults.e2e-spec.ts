import axios from 'axios';
import { createHmac } from 'crypto';
import { DataSource } from 'typeorm';
import { asAccount, CALLBACK_SECRET, Harness, SIMULATOR_KEY, startHarness } from './support/harness';
import { contacts, createTask, grantBot, syncUntil } from './support/factories';
import { sample } from './operations/ops-stack';
import { expectCountersExact } from './support/stats-counters';
import { LONG_FAIL_REASON } from '../apps/robot-call-simulator/src/faults/fault-injector.service';

/** The platform's long fail_reason cut to the column's 16 characters (characters, not bytes: MySQL's VARCHAR). */
const CUT_FAIL_REASON = [...LONG_FAIL_REASON].slice(0, 16).join('');

async function setFaults(h: Harness, faults: Record<string, number>): Promise<void> {
  await axios.put(`${h.simulator.baseUrl}/_simulator/faults`, faults, { headers: { Authorization: `Bearer ${SIMULATOR_KEY}` } });
}

async function metrics(h: Harness): Promise<string> {
  return (await h.http().get('/metrics').expect(200)).text;
}

const unfit = (text: string, field: string, action: string) => sample(text, 'aiv_ingest_unfit_values_total', { field, action }) ?? 0;

describe('a call record whose values do not fit the database', () => {
  const FIRM = 7701;
  const me = asAccount(FIRM, 1);
  let h: Harness;

  beforeAll(async () => {
    // Every call fails, and every fail_reason is the platform's long free text.
    h = await startHarness({ simulator: { connectRate: 0, longFailReasonRate: 1 } });
    await grantBot(h, FIRM);
  });

  afterAll(async () => {
    await h.close();
  });

  it('polled: is stored with fail_reason cut to its column and a warning, and never blocks the page or the task', async () => {
    const before = await metrics(h);
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(6, 100), batchSize: 6, maxAttempts: 1 });
    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);

    await syncUntil(h, FIRM, 1, taskId, 5, 60);

    const items = (await h.http().get(`/v1/tasks/${taskId}/contacts`).set(me).expect(200)).body.items;
    expect(items).toHaveLength(6);
    for (const contact of items) expect(contact).toMatchObject({ status: 3, callResult: 2, failReason: CUT_FAIL_REASON });
    expect((await h.http().get(`/v1/tasks/${taskId}/stats`).set(me).expect(200)).body).toMatchObject({ done: 6, failed: 6 });
    const csv = (await h.http().get(`/v1/tasks/${taskId}/contacts.csv`).set(me).expect(200)).text;
    expect(csv.split(CUT_FAIL_REASON)).toHaveLength(7);
    const after = await metrics(h);
    expect(unfit(after, 'fail_reason', 'cut') - unfit(before, 'fail_reason', 'cut')).toBe(6);
  });

  describe('pushed by the platform, through the same ingest', () => {
    const sign = (body: string) => {
      const timestamp = Math.floor(Date.now() / 1000);
      return {
        'Content-Type': 'application/json',
        'X-Robot-Timestamp': String(timestamp),
        'X-Robot-Signature': `sha256=${createHmac('sha256', CALLBACK_SECRET).update(`${timestamp}.${body}`).digest('hex')}`,
      };
    };

    it('cuts a long fail_reason, stores a record id too long for its column under a digest (distinct, idempotent), rejects a ref that names no contact', async () => {
      const before = await metrics(h);
      await setFaults(h, { longFailReasonRate: 0 });
      // The simulator dials these contacts too; its own records (other ids) are read by no sync in this test.
      const taskId = await createTask(h, FIRM, 1, { contacts: contacts(3, 300), batchSize: 3 });
      const started = (await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200)).body;
      const ids = (await h.http().get(`/v1/tasks/${taskId}/contacts`).set(me).expect(200)).body.items.map((c: { id: string }) => c.id);
      const common = `rec_${'x'.repeat(70)}_`; // 75 characters before the last one: two ids alike in their first 64
      const record = (recordId: string, ref: string, extra: Record<string, unknown> = {}) => ({
        record_id: recordId, ref, call_result: 2, fail_reason: 'no_answer', intention: 0, duration_sec: 0,
        called_at: new Date().toISOString(), ...extra,
      });
      const body = JSON.stringify({
        campaign_id: started.activeCampaign.campaignId,
        records: [
          record('rec_push_long_reason', ids[0], { fail_reason: LONG_FAIL_REASON }),
          record(`${common}A`, ids[1]),
          record(`${common}B`, ids[2]),
          record('rec_push_bad_ref', 'x'.repeat(80)),
        ],
      });

      const first = await h.http().post('/v1/callbacks/robot-call').set(sign(body)).send(body).expect(200);
      const replay = await h.http().post('/v1/callbacks/robot-call').set(sign(body)).send(body).expect(200);

      expect(first.body).toEqual({ received: 4, stored: 3 });
      expect(replay.body).toEqual({ received: 4, stored: 0 });
      const items = (await h.http().get(`/v1/tasks/${taskId}/contacts`).set(me).expect(200)).body.items;
      expect(items.map((c: { failReason: string }) => c.failReason)).toEqual([CUT_FAIL_REASON, 'no_answer', 'no_answer']);
      const stored: { record_id: string }[] = await h.api
        .get(DataSource)
        .query('SELECT record_id FROM ai_visitor_call_record WHERE task_id = ? ORDER BY record_id', [taskId]);
      expect(stored).toHaveLength(3);
      for (const { record_id } of stored) expect(record_id.length).toBeLessThanOrEqual(64);
      expect(stored.filter((r) => r.record_id.startsWith('sha256:'))).toHaveLength(2);
      const after = await metrics(h);
      // Counted each time received: the push and its replay.
      expect(unfit(after, 'fail_reason', 'cut') - unfit(before, 'fail_reason', 'cut')).toBe(2);
      expect(unfit(after, 'record_id', 'hashed') - unfit(before, 'record_id', 'hashed')).toBe(4);
      expect(unfit(after, 'ref', 'rejected') - unfit(before, 'ref', 'rejected')).toBe(2);
    });
  });

  it('left the statistics counters equal to the contacts they count', async () => {
    await expectCountersExact(h.api.get(DataSource));
  });
});
