import axios from 'axios';
import { DataSource } from 'typeorm';
import { parseDbDate, SqlDialect } from '@app/database';
import { asAccount, Harness, ShiftedClock, SIMULATOR_KEY, startHarness } from './support/harness';
import { contacts, createTask, grantBot } from './support/factories';
import { groundTruth } from './support/ground-truth';
import { expectCountersExact } from './support/stats-counters';
import {
  ApiError,
  bodyOf,
  ContactPageResponse,
  FirmBotResponse,
  TaskResponse,
  TaskStatsResponse,
  typed,
} from './support/api-types';
import { DbRow, DbValue } from './support/db-rows';

const FIRM = 7901;
const me = asAccount(FIRM, 1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function faults(h: Harness, patch: Record<string, number>): Promise<void> {
  await axios.put(`${h.simulator.baseUrl}/_simulator/faults`, patch, {
    headers: { Authorization: `Bearer ${SIMULATOR_KEY}` },
  });
}

const NO_FAULTS = { errorRate: 0, timeoutRate: 0, lostReplyRate: 0, refuseRate: 0, undialledRate: 0 };

/** Every edge of a task's life named in issue 11, each through the HTTP API, the worker and the simulator. */
describe('lifecycle edges: nothing lost, nothing stuck', () => {
  let h: Harness;
  let ds: DataSource;
  const task = async (id: string) => bodyOf<TaskResponse>(await h.http().get(`/v1/tasks/${id}`).set(me).expect(200));

  beforeAll(async () => {
    // Calls of 40 ms, one at a time: a campaign of 100 or more is part-way through for seconds.
    h = await startHarness({ simulator: { callMs: 40, parallelism: 1, seed: 11 } });
    ds = h.api.get(DataSource);
    await grantBot(h, FIRM, { botTaskNum: 100 });
  });

  afterEach(async () => {
    await faults(h, NO_FAULTS);
  });

  afterAll(async () => {
    await expectCountersExact(ds);
    await h.close();
  });

  it('cancel keeps every call already made: the stopped campaign is read to its end, onto contacts, stats and export', async () => {
    // 100 calls of 40 ms one at a time: part-way through for seconds, however loaded the machine.
    const id = await createTask(h, FIRM, 1, { contacts: contacts(100, 1000), batchSize: 100, maxAttempts: 1 });
    const started = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200));
    await sleep(300); // some calls made, none read yet
    await h.http().post(`/v1/tasks/${id}/cancel`).set(me).expect(200);
    await h.sync();

    const truth = await groundTruth(h.simulator.baseUrl, [started.activeCampaign!.campaignId!]);
    expect(truth.records).toBeGreaterThan(0);
    expect(truth.records).toBeLessThan(100);
    const stats = bodyOf<TaskStatsResponse>(await h.http().get(`/v1/tasks/${id}/stats`).set(me).expect(200));
    expect(stats).toMatchObject({
      total: 100,
      done: truth.records,
      skipped: 100 - truth.records,
      waiting: 0,
      inCampaign: 0,
    });
    expect(stats.connected).toBe(truth.finalConnected);
    expect(stats.intentions.interested).toBe(truth.finalIntentions.interested);
    const csv = (await h.http().get(`/v1/tasks/${id}/contacts.csv`).set(me).expect(200)).text;
    expect(csv.trim().split('\n')).toHaveLength(101);
    expect(await task(id)).toMatchObject({ status: 6, activeCampaign: null });
  });

  it('a pause the platform cannot take is recorded first, answered 200, and finished by the next sync', async () => {
    // 200 calls of 40 ms one at a time: still dialling after the sync, however loaded the machine.
    const id = await createTask(h, FIRM, 1, { contacts: contacts(200, 2000), batchSize: 200 });
    const started = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200));
    await faults(h, { errorRate: 1 });
    const paused = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${id}/pause`).set(me).expect(200));
    expect(paused).toMatchObject({
      status: 4,
      pauseReason: 'recruiter',
      waitingFor: 'recruiter',
      activeCampaign: { status: 1 },
    });
    await faults(h, NO_FAULTS);
    await h.sync();
    expect(await task(id)).toMatchObject({ status: 4, activeCampaign: { status: 2 } });
    const [campaign] = (await groundTruth(h.simulator.baseUrl, [started.activeCampaign!.campaignId!])).campaigns;
    expect(campaign.status).toBe(2);
  });

  it('a paused campaign is read until it has settled, then left alone until the task is resumed', async () => {
    // 200 calls of 40 ms one at a time: still dialling when paused, however loaded the machine.
    const id = await createTask(h, FIRM, 1, { contacts: contacts(200, 2600), batchSize: 200 });
    await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
    await sleep(100);
    await h.http().post(`/v1/tasks/${id}/pause`).set(me).expect(200);
    const row = async () =>
      (
        await ds.query<DbRow[]>(
          'SELECT t.lease_epoch, t.sync_after, ct.status AS ct_status FROM ai_visitor_task t JOIN ai_visitor_call_task ct ON ct.task_id = t.id WHERE t.id = ?',
          [id],
        )
      )[0];
    // Just paused: its last calls' results may still come, so each pass reads it.
    await h.sync();
    await h.sync();
    expect(await row()).toMatchObject({ sync_after: null, ct_status: 2 });
    // Nothing has changed on the campaign for longer than PAUSED_CAMPAIGN_SETTLE_MS (10 min): the next pass
    // finds nothing new and lets it rest until a status move (a day at most).
    // (A pass that still finds a late call's result stores it and moves the cursor, which counts as a change:
    // the campaign is aged again until a pass finds nothing new.)
    const age = () =>
      ds.query(`UPDATE ai_visitor_call_task SET updated_at = ? WHERE task_id = ?`, [
        h.api.get(SqlDialect).dateParam(new Date(Date.now() - 11 * 60_000)),
        id,
      ]);
    for (let pass = 0; pass < 10 && (await row()).sync_after === null; pass++) {
      await age();
      await h.sync();
    }
    const rested = await row();
    expect(rested.sync_after).not.toBeNull();
    await h.sync();
    expect(String((await row()).lease_epoch)).toBe(String(rested.lease_epoch));
    // Resumed: due at once, and the campaign runs again.
    await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
    expect((await row()).sync_after).toBeNull();
    await h.sync();
    expect(await task(id)).toMatchObject({ status: 3, activeCampaign: { status: 1 } });
  });

  it('pause between campaigns is accepted, and no campaign opens until the recruiter starts again', async () => {
    const id = await createTask(h, FIRM, 1, {
      contacts: contacts(4, 300),
      batchSize: 4,
      maxAttempts: 3,
      retryGapMinutes: 1,
    });
    await faults(h, { undialledRate: 1 });
    await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
    await h.sync(); // the campaign dialled nobody: its contacts wait a minute for their next attempt
    await faults(h, NO_FAULTS);
    expect(await task(id)).toMatchObject({ status: 3, activeCampaign: null, waitingFor: 'retry_gap' });

    // This task's campaigns on the platform (the passes below may open campaigns for other tasks of the file).
    const campaignsOfTask = async () => {
      const mine = new Set(
        (
          await ds.query<{ request_id: string }[]>('SELECT request_id FROM ai_visitor_call_task WHERE task_id = ?', [
            id,
          ])
        ).map((r) => r.request_id),
      );
      return (await groundTruth(h.simulator.baseUrl)).campaigns.filter((c) => mine.has(c.request_id)).length;
    };
    const before = await campaignsOfTask();
    const paused = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${id}/pause`).set(me).expect(200));
    expect(paused).toMatchObject({ status: 4, pauseReason: 'recruiter', waitingFor: 'recruiter', nextActionAt: null });
    await ds.query('UPDATE ai_visitor_list SET next_attempt_at = NULL WHERE task_id = ?', [id]); // the gap has passed
    for (let i = 0; i < 3; i++) await h.sync();
    expect(await campaignsOfTask()).toBe(before);
    expect(await task(id)).toMatchObject({ status: 4, pauseReason: 'recruiter' });
    // Nothing for the sync before a status move: passes pass the task over (its lease is not even claimed), a day
    // at most (the safety net).
    const row = async () =>
      (
        await ds.query<{ lease_epoch: DbValue; sync_after: Date | string | null }[]>(
          'SELECT lease_epoch, sync_after FROM ai_visitor_task WHERE id = ?',
          [id],
        )
      )[0];
    const hinted = await row();
    expect(Math.abs(parseDbDate(hinted.sync_after!).getTime() - (Date.now() + 24 * 3_600_000))).toBeLessThan(60_000);
    await h.sync();
    expect(String((await row()).lease_epoch)).toBe(String(hinted.lease_epoch));

    const resumed = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200));
    expect(resumed).toMatchObject({ status: 3, activeCampaign: { status: 1 } });
    expect((await row()).sync_after).toBeNull();
  });

  it('a task waiting for its retry gap says so and until when', async () => {
    const id = await createTask(h, FIRM, 1, {
      contacts: contacts(3, 400),
      batchSize: 3,
      maxAttempts: 2,
      retryGapMinutes: 90,
    });
    await faults(h, { undialledRate: 1 }); // nobody dialled: each spends an attempt and waits 90 minutes
    await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
    await h.sync();
    await faults(h, NO_FAULTS);
    const waiting = await task(id);
    expect(waiting).toMatchObject({ status: 3, activeCampaign: null, waitingFor: 'retry_gap' });
    const due = new Date(waiting.nextActionAt!).getTime();
    expect(due).toBeGreaterThan(Date.now() + 85 * 60_000);
    expect(due).toBeLessThan(Date.now() + 95 * 60_000);

    // Nothing to do before then: passes pass it over (its lease is not even claimed, so its epoch stays)…
    const row = async () =>
      (
        await ds.query<{ lease_epoch: DbValue; sync_after: Date | string | null }[]>(
          'SELECT lease_epoch, sync_after FROM ai_visitor_task WHERE id = ?',
          [id],
        )
      )[0];
    const hinted = await row();
    const syncAfter =
      hinted.sync_after instanceof Date
        ? hinted.sync_after
        : new Date(`${String(hinted.sync_after).replace(' ', 'T')}Z`);
    expect(Math.abs(syncAfter.getTime() - due)).toBeLessThan(1000);
    await h.sync();
    await h.sync();
    expect(String((await row()).lease_epoch)).toBe(String(hinted.lease_epoch));
    // …until it is given something to do: a contact added is due at once, and the next pass calls it.
    await h
      .http()
      .post(`/v1/tasks/${id}/contacts`)
      .set(me)
      .send({ contacts: contacts(1, 450) })
      .expect(201);
    expect((await row()).sync_after).toBeNull();
    await h.sync();
    expect(String((await row()).lease_epoch)).not.toBe(String(hinted.lease_epoch));
    expect((await task(id)).activeCampaign).not.toBeNull();
  });

  it('a contact the platform never dials spends an attempt (not_dialled) and the task ends instead of reopening campaigns', async () => {
    const id = await createTask(h, FIRM, 1, {
      contacts: contacts(5, 500),
      batchSize: 5,
      maxAttempts: 2,
      retryGapMinutes: 0,
    });
    await faults(h, { undialledRate: 1 });
    await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
    for (let pass = 0; pass < 10 && (await task(id)).status !== 5; pass++) {
      await h.sync();
      await sleep(20);
    }
    expect(await task(id)).toMatchObject({ status: 5 });
    const [{ n }] = await ds.query<{ n: DbValue }[]>(
      'SELECT COUNT(*) AS n FROM ai_visitor_call_task WHERE task_id = ?',
      [id],
    );
    expect(Number(n)).toBe(2);
    const list = bodyOf<ContactPageResponse>(await h.http().get(`/v1/tasks/${id}/contacts`).set(me).expect(200)).items;
    for (const c of list) expect(c).toMatchObject({ status: 3, attempts: 2, callResult: 2, failReason: 'not_dialled' });
  });

  it('a create the platform keeps refusing pauses the task platform_rejected with lastError, its contacts back to waiting', async () => {
    const id = await createTask(h, FIRM, 1, { contacts: contacts(5, 600), batchSize: 5 });
    await faults(h, { refuseRate: 1 });
    const first = typed<ApiError>(await h.http().post(`/v1/tasks/${id}/start`).set(me));
    expect(first.status).toBe(502);
    expect(first.body.code).toBe('ROBOT_CALL_REJECTED');
    expect(await task(id)).toMatchObject({
      status: 2,
      waitingFor: 'platform',
      lastError: expect.stringContaining('42200'),
    });
    for (let pass = 0; pass < 5; pass++) await h.sync();
    const stated = await task(id);
    expect(stated).toMatchObject({
      status: 4,
      pauseReason: 'platform_rejected',
      waitingFor: 'recruiter',
      activeCampaign: null,
      lastError: expect.stringContaining('42200'),
    });
    expect((await h.http().get(`/v1/tasks/${id}/stats`).set(me)).body).toMatchObject({ waiting: 5, inCampaign: 0 });

    await faults(h, NO_FAULTS);
    const resumed = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200));
    expect(resumed).toMatchObject({ status: 3, pauseReason: null, lastError: null, activeCampaign: { status: 1 } });
  });

  it('cancelling a task whose campaign was never created creates nothing remotely and answers 200 while the platform is down', async () => {
    const id = await createTask(h, FIRM, 1, { contacts: contacts(5, 700), batchSize: 5 });
    await faults(h, { errorRate: 1 });
    const ofTask = async () =>
      ((await groundTruth(h.simulator.baseUrl)).campaigns as { name?: string }[]).filter((c) =>
        c.name?.startsWith(`ai-visitor task ${id} `),
      );
    expect([502, 504]).toContain((await h.http().post(`/v1/tasks/${id}/start`).set(me)).status);
    const cancelled = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${id}/cancel`).set(me).expect(200));
    expect(cancelled).toMatchObject({ status: 6, activeCampaign: null });
    await faults(h, NO_FAULTS);
    await h.sync();
    expect(await ofTask()).toHaveLength(0);
    expect((await h.http().get(`/v1/tasks/${id}/stats`).set(me)).body).toMatchObject({
      skipped: 5,
      waiting: 0,
      inCampaign: 0,
    });
  });

  it('cancel gives the quota slot back only when nothing can have been dialled (not by startedAt)', async () => {
    const bot = async () => bodyOf<FirmBotResponse>(await h.http().get('/v1/bot').set(me).expect(200)).botTaskUsed;
    const never = await createTask(h, FIRM, 1, { contacts: contacts(2, 800) });
    let used = await bot();
    await h.http().post(`/v1/tasks/${never}/cancel`).set(me).expect(200);
    expect(await bot()).toBe(used - 1);

    // A start whose confirmation was lost: startedAt is null, yet the campaign exists and may have dialled.
    const dialled = await createTask(h, FIRM, 1, { contacts: contacts(2, 810) });
    await h.http().post(`/v1/tasks/${dialled}/start`).set(me).expect(200);
    await ds.query('UPDATE ai_visitor_task SET started_at = NULL WHERE id = ?', [dialled]);
    used = await bot();
    await h.http().post(`/v1/tasks/${dialled}/cancel`).set(me).expect(200);
    expect(await bot()).toBe(used);
  });
});

describe('window and BOT edges act within a minute (the edge check), not at the next 30-minute sync', () => {
  const EDGE_FIRM = 7902;
  const mine = asAccount(EDGE_FIRM, 1);
  const clock = new ShiftedClock();
  const OFFICE = { start: '09:00', end: '20:00', days: [1, 2, 3, 4, 5, 6, 7], timeZone: 'Asia/Shanghai' };
  const shanghai = (local: string) => new Date(`${local}+08:00`);
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ clock, simulator: { callMs: 60_000, parallelism: 1 } });
    await grantBot(h, EDGE_FIRM, { botTaskNum: 10 });
  });

  afterAll(async () => {
    await h.close();
  });

  it('pauses a running campaign at the window close, resumes it at the opening, and pauses it when the BOT expires', async () => {
    clock.set(shanghai('2026-12-01T19:58:00'));
    const id = await createTask(h, EDGE_FIRM, 1, { callWindow: OFFICE, contacts: contacts(3, 900) });
    const started = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${id}/start`).set(mine).expect(200));
    const campaignId = started.activeCampaign!.campaignId!;
    const remote = async () => (await groundTruth(h.simulator.baseUrl, [campaignId])).campaigns[0].status;

    clock.set(shanghai('2026-12-01T19:59:30'));
    expect((await h.edges()).synced).toBe(0);
    clock.set(shanghai('2026-12-01T20:00:10'));
    expect((await h.edges()).synced).toBe(1);
    expect(await remote()).toBe(2);
    const view = bodyOf<TaskResponse>(await h.http().get(`/v1/tasks/${id}`).set(mine).expect(200));
    expect(view).toMatchObject({
      status: 4,
      pauseReason: 'outside_window',
      waitingFor: 'call_window',
      nextActionAt: shanghai('2026-12-02T09:00:00').toISOString(),
    });

    clock.set(shanghai('2026-12-02T09:00:20'));
    expect((await h.edges()).synced).toBe(1);
    expect(await remote()).toBe(1);
    expect((await h.http().get(`/v1/tasks/${id}`).set(mine).expect(200)).body).toMatchObject({
      status: 3,
      activeCampaign: { status: 1 },
    });

    // The BOT expires at 09:30: within a minute the campaign is paused.
    await grantBot(h, EDGE_FIRM, { botTaskNum: 10, botExpireAt: shanghai('2026-12-02T09:30:00').toISOString() });
    clock.set(shanghai('2026-12-02T09:30:30'));
    expect((await h.edges()).synced).toBe(1);
    expect(await remote()).toBe(2);
    expect((await h.http().get(`/v1/tasks/${id}`).set(mine).expect(200)).body).toMatchObject({
      status: 4,
      pauseReason: 'bot_expired',
      waitingFor: 'bot',
    });
  });

  it('start on a running campaign outside the window keeps it paused (it does not flip to 3)', async () => {
    clock.set(shanghai('2026-12-03T10:00:00'));
    await grantBot(h, EDGE_FIRM, { botTaskNum: 10 });
    const id = await createTask(h, EDGE_FIRM, 1, { callWindow: OFFICE, contacts: contacts(3, 950) });
    await h.http().post(`/v1/tasks/${id}/start`).set(mine).expect(200);
    clock.set(shanghai('2026-12-03T21:00:00'));
    const again = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${id}/start`).set(mine).expect(200));
    expect(again).toMatchObject({ status: 4, pauseReason: 'outside_window', waitingFor: 'call_window' });
    const truth = await groundTruth(h.simulator.baseUrl, [again.activeCampaign!.campaignId!]);
    expect(truth.campaigns[0].status).toBe(2);
  });
});
