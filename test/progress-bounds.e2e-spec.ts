import axios from 'axios';
import { Server } from 'node:http';
import { DataSource } from 'typeorm';
import { asAccount, CALLBACK_SECRET, Harness, SIMULATOR_KEY, startHarness } from './support/harness';
import { ALWAYS, createTask, grantBot, mobiles } from './support/factories';
import { expectCountersExact } from './support/stats-counters';
import { PlatformProxy, startPlatformProxy } from './support/model/platform-proxy';
import type { SimCampaign } from './support/model/world';
import { bodyOf, TaskResponse, TaskStatsResponse } from './support/api-types';
import { DbRow, DbValue } from './support/db-rows';

const FIRM = 8201;
const me = asAccount(FIRM, 1);
const simHeaders = { headers: { Authorization: `Bearer ${SIMULATOR_KEY}` } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Numbers starting 137 are dialled for ten minutes: their campaigns stay running for the whole suite. */
const SLOW_PREFIX = '137';
const slowCall = (phone: string) => (phone.replace(/^\+86/, '').startsWith(SLOW_PREFIX) ? 600_000 : undefined);

/**
 * Issue 20's progress bounds, each at the default settings (`SYNC_SKIP_AFTER_PUSH_SECONDS` 300, the sync pass
 * every 30 minutes: here never, unless a test runs one): a campaign whose last result is pushed is moved on
 * within seconds by the API's follow-up, with no sync pass; one whose end no push reveals by the next minute
 * check; a cancelled task still reading is read out in the next pass whatever the number of live tasks.
 */
describe('progress bounds: nothing that has work waits', () => {
  let h: Harness;
  let ds: DataSource;
  let callbackUrl: string;
  let next = 1;
  const task = async (id: string) => bodyOf<TaskResponse>(await h.http().get(`/v1/tasks/${id}`).set(me).expect(200));
  const people = (count: number, prefix = '139') =>
    mobiles(count, (next += count) - count, prefix).map((phone, i) => ({ phone, name: `候选人${i}` }));

  async function setPush(on: boolean): Promise<void> {
    await axios.put(
      `${h.simulator.baseUrl}/_simulator/push`,
      on ? { url: callbackUrl, secret: CALLBACK_SECRET, batchMs: 0 } : { url: '' },
      simHeaders,
    );
  }

  async function waitFor<T>(
    what: string,
    read: () => Promise<T>,
    done: (value: T) => boolean,
    timeoutMs = 30_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let value = await read();
    while (!done(value)) {
      if (Date.now() > deadline)
        throw new Error(`${what}: not within ${timeoutMs} ms; last seen ${JSON.stringify(value)}`);
      await sleep(50);
      value = await read();
    }
    return value;
  }

  beforeAll(async () => {
    h = await startHarness({
      simulator: { callMs: 20, parallelism: 5, seed: 20, callMsOf: slowCall },
      env: { SYNC_CONCURRENCY: '1' },
    });
    ds = h.api.get(DataSource);
    await h.api.listen(0, '127.0.0.1');
    const address = (h.api.getHttpServer() as Server).address() as { port: number };
    callbackUrl = `http://127.0.0.1:${address.port}/v1/callbacks/robot-call`;
    await grantBot(h, FIRM, { botTaskNum: 1000 });
  });

  afterEach(async () => {
    await setPush(false);
  });

  afterAll(async () => {
    await expectCountersExact(ds);
    await h.close();
  });

  it('a campaign whose last result is pushed is closed and the next opened at once, with no sync pass', async () => {
    await setPush(true);
    const id = await createTask(h, FIRM, 1, {
      contacts: people(30),
      batchSize: 10,
      maxAttempts: 1,
      callWindow: ALWAYS,
    });
    await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
    const done = await waitFor(
      'the task completes on pushes alone',
      () => task(id),
      (t) => t.status === 5,
      20_000,
    );
    expect(done.waitingFor).toBeNull();
    // Three campaigns of 10, and one more for each "inconvenient now" called back (at once, here).
    const campaigns = await ds.query<{ status: number }[]>(
      'SELECT status FROM ai_visitor_call_task WHERE task_id = ?',
      [id],
    );
    expect(campaigns.length).toBeGreaterThanOrEqual(3);
    expect(campaigns.every((c) => Number(c.status) === 3)).toBe(true);
    const stats = bodyOf<TaskStatsResponse>(await h.http().get(`/v1/tasks/${id}/stats`).set(me).expect(200));
    expect(stats.done).toBe(30);
    const [{ n }] = await ds.query<{ n: DbValue }[]>(
      'SELECT COUNT(*) AS n FROM ai_visitor_call_record WHERE task_id = ?',
      [id],
    );
    expect(Number(n)).toBe(stats.attempts);
  });

  it('pushes never postpone the sync of a task that is not running', async () => {
    await setPush(true);
    const id = await createTask(h, FIRM, 1, {
      contacts: [...people(1), ...people(3, SLOW_PREFIX)],
      batchSize: 4,
      maxAttempts: 1,
      callWindow: ALWAYS,
    });
    await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
    await h.http().post(`/v1/tasks/${id}/pause`).set(me).expect(200);
    // The call in flight at the pause ends and is pushed: stored, and the paused task stays due for the sync.
    await waitFor(
      'the call in flight is pushed',
      async () =>
        Number(
          (await ds.query<DbRow[]>('SELECT COUNT(*) AS n FROM ai_visitor_call_record WHERE task_id = ?', [id]))[0].n,
        ),
      (n) => n === 1,
    );
    const [row] = await ds.query<DbRow[]>('SELECT sync_after FROM ai_visitor_task WHERE id = ?', [id]);
    expect(row.sync_after).toBeNull();
    await h.http().post(`/v1/tasks/${id}/cancel`).set(me).expect(200);
  });

  it('while a pushed campaign still has calls to make, the passes leave it alone (the push-quiet period)', async () => {
    await setPush(true);
    const id = await createTask(h, FIRM, 1, {
      contacts: [...people(2), ...people(1, SLOW_PREFIX)],
      batchSize: 3,
      maxAttempts: 1,
      callWindow: ALWAYS,
    });
    await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
    const row = async () =>
      (await ds.query<DbRow[]>('SELECT status, sync_after, lease_epoch FROM ai_visitor_task WHERE id = ?', [id]))[0];
    const quiet = await waitFor('the two quick calls are pushed', row, (r) => r.sync_after !== null);
    expect(Number(quiet.status)).toBe(3);
    await h.sync();
    expect((await row()).lease_epoch).toBe(quiet.lease_epoch);
    await h.http().post(`/v1/tasks/${id}/cancel`).set(me).expect(200);
  });

  it('a campaign whose end no push reveals is moved on by the next minute check', async () => {
    // Pushes on at the start, then lost: the platform finishes the campaign and nobody tells the service.
    await setPush(true);
    const id = await createTask(h, FIRM, 1, {
      contacts: people(20),
      batchSize: 10,
      maxAttempts: 1,
      callWindow: ALWAYS,
    });
    const started = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200));
    await setPush(false);
    const campaignId = started.activeCampaign!.campaignId;
    await waitFor(
      'the platform finishes the first campaign',
      async () =>
        (
          await axios.get<{ data: SimCampaign }>(
            `${h.simulator.baseUrl}/_simulator/campaigns/${campaignId}`,
            simHeaders,
          )
        ).data.data.status,
      (s) => s === 3,
    );
    await h.edges();
    const after = await task(id);
    expect(after.activeCampaign?.campaignId).not.toBe(campaignId);
    const [first] = await ds.query<DbRow[]>('SELECT status FROM ai_visitor_call_task WHERE campaign_id = ?', [
      campaignId,
    ]);
    expect(Number(first.status)).toBe(3);
    // Its ten contacts have their results (done, or waiting for a callback); none is still "in campaign" for it.
    const [{ n }] = await ds.query<{ n: DbValue }[]>(
      'SELECT COUNT(*) AS n FROM ai_visitor_call_record WHERE call_task_id = (SELECT id FROM ai_visitor_call_task WHERE campaign_id = ?)',
      [campaignId],
    );
    expect(Number(n)).toBe(10);
    const [{ stuck }] = await ds.query<{ stuck: DbValue }[]>(
      'SELECT COUNT(*) AS stuck FROM ai_visitor_list l JOIN ai_visitor_call_task ct ON ct.id = l.call_task_id WHERE ct.campaign_id = ? AND l.status = 2',
      [campaignId],
    );
    expect(Number(stuck)).toBe(0);
    await h.http().post(`/v1/tasks/${id}/cancel`).set(me).expect(200);
  });

  it('a cancelled task still reading is read out in the next pass, whatever the number of live tasks above it', async () => {
    // Its calls are quick; the live tasks' calls last ten minutes, so they stay running (due) for every pass.
    const cancelled = await createTask(h, FIRM, 1, {
      contacts: people(20),
      batchSize: 20,
      maxAttempts: 1,
      callWindow: ALWAYS,
    });
    const live: string[] = [];
    for (let i = 0; i < 7; i++)
      live.push(await createTask(h, FIRM, 1, { contacts: people(2, SLOW_PREFIX), batchSize: 2, callWindow: ALWAYS }));
    for (const id of live) await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
    const started = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${cancelled}/start`).set(me).expect(200));
    const campaignId = started.activeCampaign!.campaignId;
    await waitFor(
      'the platform makes its calls',
      async () =>
        (
          await axios.get<{ data: SimCampaign }>(
            `${h.simulator.baseUrl}/_simulator/campaigns/${campaignId}`,
            simHeaders,
          )
        ).data.data.dialled_count,
      (n) => n === 20,
    );
    await h.http().post(`/v1/tasks/${cancelled}/cancel`).set(me).expect(200);
    // SYNC_CONCURRENCY 1 claims 4 tasks at a time: the 7 live ones fill more than a claim batch.
    await h.sync();
    const [callTask] = await ds.query<DbRow[]>('SELECT status FROM ai_visitor_call_task WHERE task_id = ?', [
      cancelled,
    ]);
    expect(Number(callTask.status)).toBe(3);
    const stats = bodyOf<TaskStatsResponse>(await h.http().get(`/v1/tasks/${cancelled}/stats`).set(me).expect(200));
    expect(stats.inCampaign).toBe(0);
    expect(stats.connected + stats.failed).toBe(20);
    for (const id of live) await h.http().post(`/v1/tasks/${id}/cancel`).set(me).expect(200);
  });
});

/** Issue 20, item 3: remote actions follow what the platform may be doing, not a stale local status. */
describe('progress bounds: a start whose reply was lost', () => {
  let h: Harness;
  let ds: DataSource;
  /** The model's platform proxy: it loses the replies to every `change_status(start)` while told to. */
  let proxy: PlatformProxy;
  let next = 1;
  const people = (count: number) => mobiles(count, (next += count) - count, SLOW_PREFIX).map((phone) => ({ phone }));
  const remote = async (campaignId: string) =>
    (await axios.get<{ data: SimCampaign }>(`${h.simulator.baseUrl}/_simulator/campaigns/${campaignId}`, simHeaders))
      .data.data;

  beforeAll(async () => {
    proxy = await startPlatformProxy();
    h = await startHarness({
      simulator: { callMs: 20, parallelism: 5, seed: 21, callMsOf: slowCall },
      env: { ROBOT_CALL_BASE_URL: proxy.baseUrl },
    });
    proxy.target = h.simulator.baseUrl;
    ds = h.api.get(DataSource);
    await grantBot(h, FIRM, { botTaskNum: 1000 });
  });

  afterEach(() => {
    proxy.lostStatusReplies = null;
  });

  afterAll(async () => {
    await expectCountersExact(ds);
    await h.close();
    await proxy.close();
  });

  /** Starts a task whose `start` reaches the platform with its reply lost: the campaign dials, the call task says 0. */
  async function startLosingTheReply(): Promise<{ id: string; campaignId: string }> {
    const id = await createTask(h, FIRM, 1, { contacts: people(3), batchSize: 3, callWindow: ALWAYS });
    proxy.lostStatusReplies = { rate: 1, actions: ['start'], seed: 1 };
    const res = await h.http().post(`/v1/tasks/${id}/start`).set(me);
    expect(res.status).toBeGreaterThanOrEqual(500);
    proxy.lostStatusReplies = null;
    const [callTask] = await ds.query<{ status: DbValue; campaign_id: string }[]>(
      'SELECT status, campaign_id FROM ai_visitor_call_task WHERE task_id = ?',
      [id],
    );
    expect(Number(callTask.status)).toBe(0);
    expect((await remote(callTask.campaign_id)).status).toBe(1);
    return { id, campaignId: callTask.campaign_id };
  }

  it("the recruiter's pause pauses the campaign on the platform at once", async () => {
    const { id, campaignId } = await startLosingTheReply();
    await h.http().post(`/v1/tasks/${id}/pause`).set(me).expect(200);
    expect((await remote(campaignId)).status).toBe(2);
    await h.http().post(`/v1/tasks/${id}/cancel`).set(me).expect(200);
  });

  it('a start while the window is closed pauses a campaign that may be running', async () => {
    const { id, campaignId } = await startLosingTheReply();
    // The window closes (today is no longer one of its days; the clock is the real one): the recruiter's start
    // records the pause.
    const today = ((new Date(Date.now() + 8 * 3_600_000).getUTCDay() + 6) % 7) + 1; // ISO weekday in Asia/Shanghai
    await ds.query('UPDATE ai_visitor_task SET window_days = ? WHERE id = ?', [String((today % 7) + 1), id]);
    const started = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200));
    expect(started.pauseReason).toBe('outside_window');
    expect((await remote(campaignId)).status).toBe(2);
    await h.http().post(`/v1/tasks/${id}/cancel`).set(me).expect(200);
  });

  it('the next look confirms a start that went through, without refusing or restarting it', async () => {
    const { id, campaignId } = await startLosingTheReply();
    await h.sync();
    const task = bodyOf<TaskResponse>(await h.http().get(`/v1/tasks/${id}`).set(me).expect(200));
    expect(task.status).toBe(3);
    const [callTask] = await ds.query<DbRow[]>('SELECT status, refusals FROM ai_visitor_call_task WHERE task_id = ?', [
      id,
    ]);
    expect(Number(callTask.status)).toBe(1);
    expect(Number(callTask.refusals)).toBe(0);
    expect((await remote(campaignId)).status).toBe(1);
    await h.http().post(`/v1/tasks/${id}/cancel`).set(me).expect(200);
  });
});
