import { DataSource } from 'typeorm';
import { SqlDialect } from '@app/database';
import { asAccount, Harness, startHarness } from './support/harness';
import { contacts, createTask, grantBot } from './support/factories';
import { groundTruth } from './support/ground-truth';
import { expectCountersExact } from './support/stats-counters';
import { ApiError, bodyOf, TaskResponse, TaskStatsResponse, typed } from './support/api-types';
import { DbValue } from './support/db-rows';

const FIRM = 7101;
const ACCOUNT = 8101;
const me = asAccount(FIRM, ACCOUNT);

/** A simulator whose calls take a minute: campaigns stay running for the whole test. */
describe('start, pause, resume, cancel against a running campaign', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ simulator: { callMs: 60_000, parallelism: 1 } });
    await grantBot(h, FIRM, { botTaskNum: 50 });
  });

  afterAll(async () => {
    await h.close();
  });

  it('start on a running task is a no-op; pause then start resumes the same campaign', async () => {
    const taskId = await createTask(h, FIRM, ACCOUNT, { contacts: contacts(5, 100) });
    const first = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200));
    expect(first).toMatchObject({ status: 3, activeCampaign: { status: 1, contactCount: 5 } });
    const again = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200));
    expect(again.activeCampaign!.campaignId).toBe(first.activeCampaign!.campaignId);

    const paused = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${taskId}/pause`).set(me).expect(200));
    expect(paused).toMatchObject({ status: 4, pauseReason: 'recruiter', activeCampaign: { status: 2 } });
    let truth = await groundTruth(h.simulator.baseUrl, [first.activeCampaign!.campaignId!]);
    expect(truth.campaigns[0].status).toBe(2);

    const pausedAgain = typed<ApiError>(await h.http().post(`/v1/tasks/${taskId}/pause`).set(me).expect(409));
    expect(pausedAgain.body.code).toBe('TASK_NOT_RUNNING');

    const resumed = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200));
    expect(resumed).toMatchObject({ status: 3, pauseReason: null, activeCampaign: { status: 1 } });
    expect(resumed.activeCampaign!.campaignId).toBe(first.activeCampaign!.campaignId);
    truth = await groundTruth(h.simulator.baseUrl, [first.activeCampaign!.campaignId!]);
    expect(truth.campaigns[0].status).toBe(1);
  });

  it('pausing a task that never started is refused with TASK_NOT_RUNNING, and nothing changes', async () => {
    const taskId = await createTask(h, FIRM, ACCOUNT);
    const res = typed<ApiError>(await h.http().post(`/v1/tasks/${taskId}/pause`).set(me).expect(409));
    expect(res.body).toEqual({ code: 'TASK_NOT_RUNNING', message: expect.any(String) });
    expect(bodyOf<TaskResponse>(await h.http().get(`/v1/tasks/${taskId}`).set(me)).status).toBe(1);
  });

  it('cancel stops the remote campaign, skips contacts not called, and a finished task refuses changes', async () => {
    const taskId = await createTask(h, FIRM, ACCOUNT, { contacts: contacts(30, 300), batchSize: 30 });
    const started = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200));
    const cancelled = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${taskId}/cancel`).set(me).expect(200));
    // Stopped remotely at once; kept until the worker has read it to its last record.
    expect(cancelled).toMatchObject({
      status: 6,
      waitingFor: null,
      activeCampaign: { campaignId: started.activeCampaign!.campaignId },
    });
    const truth = await groundTruth(h.simulator.baseUrl, [started.activeCampaign!.campaignId!]);
    expect(truth.campaigns[0].status).toBe(3);
    await h.sync();
    expect((await h.http().get(`/v1/tasks/${taskId}`).set(me).expect(200)).body).toMatchObject({
      status: 6,
      activeCampaign: null,
    });

    for (const action of ['start', 'pause', 'cancel']) {
      const res = typed<ApiError>(await h.http().post(`/v1/tasks/${taskId}/${action}`).set(me).expect(409));
      expect(res.body.code).toBe('TASK_FINISHED');
    }
    const stats = bodyOf<TaskStatsResponse>(await h.http().get(`/v1/tasks/${taskId}/stats`).set(me).expect(200));
    expect(stats).toMatchObject({ waiting: 0, inCampaign: 0, skipped: 30 });
  });

  it('100 concurrent starts, racing a sync pass, leave exactly one campaign, remotely and locally', async () => {
    const taskId = await createTask(h, FIRM, ACCOUNT, { contacts: contacts(20, 500) });
    const before = (await groundTruth(h.simulator.baseUrl)).campaigns.length;
    const starts = Array.from({ length: 100 }, () => h.http().post(`/v1/tasks/${taskId}/start`).set(me));
    const results = await Promise.all([...starts, h.sync()]);
    const statuses = results.slice(0, 100).map((r) => (r as { status: number }).status);
    expect(statuses.every((s) => s === 200)).toBe(true);

    const after = await groundTruth(h.simulator.baseUrl);
    expect(after.campaigns.length - before).toBe(1);
    const ds = h.api.get(DataSource);
    const [{ n }] = await ds.query<{ n: DbValue }[]>(
      'SELECT COUNT(*) AS n FROM ai_visitor_call_task WHERE task_id = ?',
      [taskId],
    );
    expect(Number(n)).toBe(1);
    const task = bodyOf<TaskResponse>(await h.http().get(`/v1/tasks/${taskId}`).set(me));
    expect(task).toMatchObject({ status: 3, activeCampaign: { status: 1, contactCount: 20 } });
  });

  it('the database itself refuses a second active campaign for a task', async () => {
    const taskId = await createTask(h, FIRM, ACCOUNT, { contacts: contacts(3, 700) });
    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
    const ds = h.api.get(DataSource);
    const forged = await ds
      .query(
        "INSERT INTO ai_visitor_call_task (task_id, batch_no, request_id, status, contact_count) VALUES (?, 99, 'forged-request', 0, 0)",
        [taskId],
      )
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(h.api.get(SqlDialect).isUniqueViolation(forged)).toBe(true);
    // A finished one is fine: the rule is about active campaigns only.
    await ds.query(
      "INSERT INTO ai_visitor_call_task (task_id, batch_no, request_id, status, contact_count) VALUES (?, 98, 'old-request', 3, 0)",
      [taskId],
    );
  });

  it('left the statistics counters equal to the contacts they count', async () => {
    await expectCountersExact(h.api.get(DataSource));
  });
});
