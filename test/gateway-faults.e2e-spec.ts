import axios from 'axios';
import { DataSource } from 'typeorm';
import { asAccount, Harness, SIMULATOR_KEY, startHarness } from './support/harness';
import { contacts, createTask, grantBot } from './support/factories';
import { groundTruth } from './support/ground-truth';
import { expectCountersExact } from './support/stats-counters';
import { bodyOf, TaskStatsResponse } from './support/api-types';
import { DbRow, DbValue } from './support/db-rows';

const FIRM = 7701;
const me = asAccount(FIRM, 1);

/**
 * A platform that fails a fifth of the requests, times out a tenth, answers slowly and loses a tenth of the
 * "create" replies (the campaign exists, the answer never arrives): every task still completes, with stats
 * equal to what the platform really dialled, and nothing stored twice.
 */
describe('gateway faults', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      simulator: { callMs: 2, parallelism: 50, seed: 9 },
      env: { ROBOT_CALL_TIMEOUT_MS: '250', ROBOT_CALL_RETRIES: '2' },
    });
    await grantBot(h, FIRM);
  });

  afterAll(async () => {
    await h.close();
  });

  it('every task completes with stats equal to the simulator’s ground truth', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++)
      ids.push(await createTask(h, FIRM, 1, { contacts: contacts(15, 20_000 + i * 15), batchSize: 10 }));
    await axios.put(
      `${h.simulator.baseUrl}/_simulator/faults`,
      { errorRate: 0.2, timeoutRate: 0.1, hangMs: 600, delayMs: 20, lostReplyRate: 0.1 },
      { headers: { Authorization: `Bearer ${SIMULATOR_KEY}` } },
    );
    const starts = await Promise.all(ids.map((id) => h.http().post(`/v1/tasks/${id}/start`).set(me)));
    for (const res of starts) expect([200, 502, 504]).toContain(res.status); // a refused start is retried by the sync

    const ds = h.api.get(DataSource);
    const open = async () =>
      Number(
        (
          await ds.query<DbRow[]>('SELECT COUNT(*) AS n FROM ai_visitor_task WHERE firm_id = ? AND status <> 5', [FIRM])
        )[0].n,
      );
    for (let pass = 0; pass < 150 && (await open()) > 0; pass++) {
      await h.sync();
      await new Promise((r) => setTimeout(r, 20));
    }
    if ((await open()) > 0) {
      console.log(
        JSON.stringify(
          await ds.query(
            'SELECT t.id, t.status, t.pause_reason, c.id AS ct, c.status AS cts, c.campaign_id, c.detail_cursor FROM ai_visitor_task t LEFT JOIN ai_visitor_call_task c ON c.task_id = t.id WHERE t.status <> 5',
          ),
        ),
      );
      console.log(
        JSON.stringify(
          await ds.query(
            'SELECT status, call_task_id, COUNT(*) n FROM ai_visitor_list WHERE task_id IN (SELECT id FROM ai_visitor_task WHERE status <> 5) GROUP BY status, call_task_id',
          ),
        ),
      );
    }
    expect(await open()).toBe(0);

    const truth = await groundTruth(h.simulator.baseUrl);
    // Lost replies never made a second campaign: one per request id, at most one per batch.
    expect(new Set(truth.campaigns.map((c) => c.request_id)).size).toBe(truth.campaigns.length);
    const [{ calls }] = await ds.query<{ calls: DbValue }[]>('SELECT COUNT(*) AS calls FROM ai_visitor_call_task');
    expect(Number(calls)).toBe(truth.campaigns.length);

    let connected = 0;
    let interested = 0;
    let attempts = 0;
    for (const id of ids) {
      const stats = bodyOf<TaskStatsResponse>(await h.http().get(`/v1/tasks/${id}/stats`).set(me).expect(200));
      expect(stats).toMatchObject({ total: 15, done: 15, waiting: 0, inCampaign: 0 });
      connected += stats.connected;
      interested += stats.intentions.interested;
      attempts += stats.attempts;
    }
    expect(connected).toBe(truth.finalConnected);
    expect(interested).toBe(truth.finalIntentions.interested);
    expect(attempts).toBe(truth.records);
    const [{ n, d }] = await ds.query<{ n: DbValue; d: DbValue }[]>(
      'SELECT COUNT(*) AS n, COUNT(DISTINCT record_id) AS d FROM ai_visitor_call_record',
    );
    expect(Number(n)).toBe(truth.records);
    expect(Number(d)).toBe(Number(n));
  });

  it('left the statistics counters equal to the contacts they count', async () => {
    await expectCountersExact(h.api.get(DataSource));
  });
});
