import axios from 'axios';
import { DataSource } from 'typeorm';
import { asAccount, Harness, SIMULATOR_KEY, startHarness } from './support/harness';
import { contacts, createTask, grantBot, syncUntil } from './support/factories';
import { groundTruth } from './support/ground-truth';
import { SyncScheduler } from '../apps/worker/src/sync.scheduler';
import { expectCountersExact } from './support/stats-counters';
import { ApiError, bodyOf, TaskResponse, TaskStatsResponse, typed } from './support/api-types';
import { DbValue } from './support/db-rows';

const FIRM = 7301;
const ACCOUNT = 8301;
const me = asAccount(FIRM, ACCOUNT);

async function setFaults(h: Harness, faults: Record<string, number>): Promise<void> {
  await axios.put(
    `${h.simulator.baseUrl}/_simulator/faults`,
    { errorRate: 0, timeoutRate: 0, delayMs: 0, lostReplyRate: 0, hangMs: 30000, ...faults },
    {
      headers: { Authorization: `Bearer ${SIMULATOR_KEY}` },
    },
  );
}

describe('worker sync and gateway faults', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      simulator: { connectRate: 0.5, seed: 11 },
      env: { ROBOT_CALL_TIMEOUT_MS: '300', ROBOT_CALL_RETRIES: '1' },
    });
    await grantBot(h, FIRM, { botTaskNum: 100 });
  });

  afterEach(async () => {
    await setFaults(h, {});
  });

  afterAll(async () => {
    await h.close();
  });

  it('the cron handler runs a sync pass that stores every record exactly once, however often it runs', async () => {
    const taskId = await createTask(h, FIRM, ACCOUNT, { contacts: contacts(25, 1000), batchSize: 25, maxAttempts: 1 });
    const started = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200));
    await new Promise((r) => setTimeout(r, 300));
    await h.worker.get(SyncScheduler).tick();
    await h.worker.get(SyncScheduler).tick();
    await syncUntil(h, FIRM, ACCOUNT, taskId, 5);
    await h.sync();

    const ds = h.api.get(DataSource);
    const [{ n, distinct_contacts }] = await ds.query<{ n: DbValue; distinct_contacts: DbValue }[]>(
      'SELECT COUNT(*) AS n, COUNT(DISTINCT contact_id) AS distinct_contacts FROM ai_visitor_call_record WHERE task_id = ?',
      [taskId],
    );
    const truth = await groundTruth(h.simulator.baseUrl); // this file's first task: all campaigns are its own
    expect(truth.byId[started.activeCampaign!.campaignId!]).toBeDefined();
    expect(Number(n)).toBe(truth.records); // one row per call made ("inconvenient now" is called back once)
    expect(Number(distinct_contacts)).toBe(25);
    expect(truth.records).toBeGreaterThanOrEqual(25);
    const stats = bodyOf<TaskStatsResponse>(await h.http().get(`/v1/tasks/${taskId}/stats`).set(me).expect(200));
    expect(stats).toMatchObject({
      done: 25,
      connected: truth.finalConnected,
      failed: 25 - truth.finalConnected,
      intentions: truth.finalIntentions,
    });
  });

  it('a lost reply to campaign_add leaves the task starting; the sync recovers the same campaign by request id', async () => {
    const taskId = await createTask(h, FIRM, ACCOUNT, { contacts: contacts(5, 2000) });
    const before = (await groundTruth(h.simulator.baseUrl)).campaigns.length;
    await setFaults(h, { lostReplyRate: 1 });
    const res = typed<ApiError>(await h.http().post(`/v1/tasks/${taskId}/start`).set(me));
    expect([502, 504]).toContain(res.status);
    expect(['ROBOT_CALL_UNAVAILABLE', 'ROBOT_CALL_TIMEOUT']).toContain(res.body.code);
    const task = bodyOf<TaskResponse>(await h.http().get(`/v1/tasks/${taskId}`).set(me));
    expect(task).toMatchObject({ status: 2, activeCampaign: { status: 0, campaignId: null } });

    await setFaults(h, {});
    await h.sync();
    const recovered = bodyOf<TaskResponse>(await h.http().get(`/v1/tasks/${taskId}`).set(me));
    expect(recovered).toMatchObject({ status: 3, activeCampaign: { status: 1 } });
    const after = await groundTruth(h.simulator.baseUrl);
    expect(after.campaigns.length - before).toBe(1);
    await syncUntil(h, FIRM, ACCOUNT, taskId, 5);
  });

  it('a gateway that keeps failing gives 502 ROBOT_CALL_UNAVAILABLE, a hanging one 504 ROBOT_CALL_TIMEOUT', async () => {
    const taskId = await createTask(h, FIRM, ACCOUNT, { contacts: contacts(3, 3000) });
    await setFaults(h, { errorRate: 1 });
    const failed = typed<ApiError>(await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(502));
    expect(failed.body.code).toBe('ROBOT_CALL_UNAVAILABLE');
    await setFaults(h, { timeoutRate: 1, hangMs: 2000 });
    const hung = typed<ApiError>(await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(504));
    expect(hung.body.code).toBe('ROBOT_CALL_TIMEOUT');
    await setFaults(h, {});
    const ok = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200));
    expect(ok.status).toBe(3);
  });

  it('one task failing does not stop the sync of the others', async () => {
    const a = await createTask(h, FIRM, ACCOUNT, { contacts: contacts(4, 4000) });
    const b = await createTask(h, FIRM, ACCOUNT, { contacts: contacts(4, 4100) });
    await h.http().post(`/v1/tasks/${a}/start`).set(me).expect(200);
    await h.http().post(`/v1/tasks/${b}/start`).set(me).expect(200);
    // Task a's campaign is forged to one the platform does not know: its sync fails every time.
    await h.api
      .get(DataSource)
      .query("UPDATE ai_visitor_call_task SET campaign_id = 'cmp_unknown' WHERE task_id = ?", [a]);
    const summary = await h.sync();
    expect(summary.failed).toBeGreaterThanOrEqual(1);
    await syncUntil(h, FIRM, ACCOUNT, b, 5);
  });

  it('a BOT closed or expired while running: the next sync pauses campaign and task with the reason', async () => {
    const firm = 7302;
    await grantBot(h, firm, { botTaskNum: 5 });
    const taskId = await createTask(h, firm, 1, { contacts: contacts(50, 5000), batchSize: 50 });
    const started = bodyOf<TaskResponse>(
      await h.http().post(`/v1/tasks/${taskId}/start`).set(asAccount(firm, 1)).expect(200),
    );
    await grantBot(h, firm, { botExpireAt: new Date(Date.now() - 1000).toISOString() });
    await h.sync();
    const task = bodyOf<TaskResponse>(await h.http().get(`/v1/tasks/${taskId}`).set(asAccount(firm, 1)));
    expect(task).toMatchObject({ status: 4, pauseReason: 'bot_expired' });
    const truth = await groundTruth(h.simulator.baseUrl, [started.activeCampaign!.campaignId!]);
    expect([2, 3]).toContain(truth.campaigns[0].status); // paused (or already finished dialling)
  });

  it('left the statistics counters equal to the contacts they count', async () => {
    await expectCountersExact(h.api.get(DataSource));
  });
});
