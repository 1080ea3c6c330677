import { DataSource } from 'typeorm';
import { asAccount, Harness, startHarness } from './support/harness';
import { ALWAYS, contacts, createTask, grantBot, syncUntil } from './support/factories';
import { groundTruth } from './support/ground-truth';
import { expectCountersExact } from './support/stats-counters';
import {
  AddContactsResponse,
  ApiError,
  bodyOf,
  ContactPageResponse,
  CreateTaskResponse,
  TaskPageResponse,
  TaskResponse,
  TaskStatsResponse,
  typed,
} from './support/api-types';

const FIRM = 7001;
const ACCOUNT = 8001;
const me = asAccount(FIRM, ACCOUNT);

describe('task lifecycle (API + worker + MariaDB + simulator over HTTP)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ simulator: { connectRate: 0.6, seed: 7 } });
    await grantBot(h, FIRM, { botTaskNum: 50 });
  });

  afterAll(async () => {
    await h.close();
  });

  it('walks a task from creation to completed, with stats equal to what the simulator dialled', async () => {
    const created = typed<CreateTaskResponse>(
      await h
        .http()
        .post('/v1/tasks')
        .set(me)
        .send({
          name: '资深 Java 工程师',
          scriptId: 'recruit-v1',
          batchSize: 15,
          maxAttempts: 2,
          retryGapMinutes: 0,
          callWindow: ALWAYS,
          contacts: [...contacts(40), { phone: '13900000001' }, { phone: '12345', candidateRef: 'bad' }],
        })
        .expect(201),
    );
    expect(created.body.task).toMatchObject({ status: 1, batchSize: 15, maxAttempts: 2, name: '资深 Java 工程师' });
    expect(created.body.contacts.added).toBe(40);
    expect(created.body.contacts.rejected).toEqual([
      { index: 40, phone: '+86139****0001', candidateRef: null, reason: 'duplicate_in_request' },
      { index: 41, phone: '*****', candidateRef: 'bad', reason: 'invalid' },
    ]);
    const taskId = created.body.task.id;

    const started = typed<TaskResponse>(await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200));
    expect(started.body.status).toBe(3);
    expect(started.body.activeCampaign).toMatchObject({ status: 1, contactCount: 15 });

    const done = await syncUntil(h, FIRM, ACCOUNT, taskId, 5);
    expect(done.finishedAt).not.toBeNull();
    expect(done.activeCampaign).toBeNull();

    const stats = bodyOf<TaskStatsResponse>(await h.http().get(`/v1/tasks/${taskId}/stats`).set(me).expect(200));
    const truth = await groundTruth(h.simulator.baseUrl);
    expect(truth.campaigns.length).toBeGreaterThanOrEqual(3); // 40 contacts in batches of 15, plus retries
    expect(stats).toMatchObject({
      taskId,
      total: 40,
      waiting: 0,
      inCampaign: 0,
      done: 40,
      skipped: 0,
      connected: truth.finalConnected,
      failed: 40 - truth.finalConnected,
      attempts: truth.records,
      intentions: truth.finalIntentions,
    });
    expect(stats.connectRate).toBeCloseTo(truth.finalConnected / 40, 3);

    const list = bodyOf<ContactPageResponse>(
      await h.http().get(`/v1/tasks/${taskId}/contacts?pageSize=100`).set(me).expect(200),
    );
    expect(list.total).toBe(40);
    for (const c of list.items) {
      expect(c.phone).toMatch(/^\+86\d{3}\*{4}\d{4}$/);
      expect(c.status).toBe(3);
      expect(c.attempts).toBeGreaterThanOrEqual(1);
      expect(c.attempts).toBeLessThanOrEqual(3); // a failed call retried once, plus one "inconvenient now" callback
    }
    const interested = bodyOf<ContactPageResponse>(
      await h.http().get(`/v1/tasks/${taskId}/contacts?intention=1`).set(me).expect(200),
    );
    expect(interested.total).toBe(truth.finalIntentions.interested);
  });

  it('adds contacts in bulk, reporting numbers already in the task, and a running task calls them next', async () => {
    const taskId = await createTask(h, FIRM, ACCOUNT, {
      contacts: contacts(3, 200),
      batchSize: 10,
      retryGapMinutes: 0,
    });
    const res = typed<AddContactsResponse>(
      await h
        .http()
        .post(`/v1/tasks/${taskId}/contacts`)
        .set(me)
        .send({ contacts: [...contacts(2, 202), { phone: 'not a phone' }] })
        .expect(201),
    );
    expect(res.body.added).toBe(1);
    expect(res.body.rejected.map((r: { reason: string }) => r.reason)).toEqual(['already_in_task', 'invalid']);
    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
    await syncUntil(h, FIRM, ACCOUNT, taskId, 5);
    const stats = bodyOf<TaskStatsResponse>(await h.http().get(`/v1/tasks/${taskId}/stats`).set(me).expect(200));
    expect(stats).toMatchObject({ total: 4, done: 4 });
  });

  it('an empty phone, "" or blank, is one rule: rejected as `empty`, the other contacts taken', async () => {
    const blank = [
      { phone: '', candidateRef: 'e1' },
      { phone: '   ', candidateRef: 'e2' },
      { phone: '\t', candidateRef: 'e3' },
    ];
    const created = typed<CreateTaskResponse>(
      await h
        .http()
        .post('/v1/tasks')
        .set(me)
        .send({ name: 'n', scriptId: 's', callWindow: ALWAYS, contacts: [...contacts(1, 300), ...blank] })
        .expect(201),
    );
    expect(created.body.contacts.added).toBe(1);
    expect(created.body.contacts.rejected.map((r) => [r.index, r.candidateRef, r.reason])).toEqual([
      [1, 'e1', 'empty'],
      [2, 'e2', 'empty'],
      [3, 'e3', 'empty'],
    ]);
    const added = typed<AddContactsResponse>(
      await h
        .http()
        .post(`/v1/tasks/${created.body.task.id}/contacts`)
        .set(me)
        .send({ contacts: [blank[0], ...contacts(1, 301)] })
        .expect(201),
    );
    expect({ added: added.body.added, rejected: added.body.rejected.map((r: { reason: string }) => r.reason) }).toEqual(
      { added: 1, rejected: ['empty'] },
    );
    // A contact without a phone at all is still a malformed request.
    expect(
      bodyOf<ApiError>(
        await h
          .http()
          .post(`/v1/tasks/${created.body.task.id}/contacts`)
          .set(me)
          .send({ contacts: [{ name: 'x' }] })
          .expect(400),
      ).code,
    ).toBe('VALIDATION_FAILED');
  });

  it('lists only the calling account’s tasks, newest first, filterable by status', async () => {
    await createTask(h, FIRM, 8999); // a colleague's task
    const mine = bodyOf<TaskPageResponse>(await h.http().get('/v1/tasks?pageSize=100').set(me).expect(200));
    expect(mine.items.length).toBeGreaterThan(0);
    expect(mine.items.every((t: { accountId: string }) => t.accountId === String(ACCOUNT))).toBe(true);
    const ids = mine.items.map((t: { id: string }) => Number(t.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const completed = bodyOf<TaskPageResponse>(await h.http().get('/v1/tasks?status=5').set(me).expect(200));
    expect(completed.items.every((t: { status: number }) => t.status === 5)).toBe(true);
  });

  it('left the statistics counters equal to the contacts they count', async () => {
    await expectCountersExact(h.api.get(DataSource));
  });
});
