import { DataSource } from 'typeorm';
import { RunScheduledStarts, ScheduledStartsSummary } from '@app/task';
import { asAccount, Harness, ShiftedClock, startHarness } from './support/harness';
import { ALWAYS, contacts, createTask, grantBot } from './support/factories';

/**
 * Start at a set time (issue 22, item 4): `POST /tasks/:id/start { at }` and `startAt` on create schedule a task
 * not started; the worker's scheduled-starts job (every minute, beside the edge check) starts it through the start
 * use case once `at` has come, never before, and not while the firm's BOT is closed.
 */

const FIRM = 9201;
const me = asAccount(FIRM, 1);
const MINUTE = 60_000;
/** Numbers of their own for each task: a number one task dialled cools down for the firm's other tasks. */
let nextNumber = 1;
const fresh = (count: number) => {
  const list = contacts(count, nextNumber);
  nextNumber += count;
  return list;
};

interface Event {
  type: string;
  sequence: number;
  data: Record<string, unknown>;
}

interface TaskBody {
  id: string;
  status: number;
  pauseReason: string | null;
  startAt: string | null;
  waitingFor: string | null;
  nextActionAt: string | null;
  activeCampaign: { status: number; contactCount: number } | null;
}

interface ErrorBody {
  code: string;
  details?: unknown;
}

interface Created {
  task: TaskBody;
  contacts: { added: number };
}

/** A response's body as the test reads it (the contract check has validated its shape). */
const json = <T>(res: { body: unknown }): T => res.body as T;
const task = (res: { body: unknown }) => json<TaskBody>(res);
const error = (res: { body: unknown }) => json<ErrorBody>(res).code;

describe('scheduled start', () => {
  const clock = new ShiftedClock();
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ clock, simulator: { callMs: 60_000 } });
    await grantBot(h, FIRM, { botTaskNum: 50, botExpireAt: '2099-01-01T00:00:00Z' });
  });

  afterAll(async () => {
    await h.close();
  });

  afterEach(() => clock.set(new Date()));

  const scheduledStarts = (): Promise<ScheduledStartsSummary> => h.worker.get(RunScheduledStarts).execute();
  const getTask = async (id: string) => task(await h.http().get(`/v1/tasks/${id}`).set(me).expect(200));
  const start = (id: string, body?: object) => {
    const req = h.http().post(`/v1/tasks/${id}/start`).set(me);
    return body === undefined ? req : req.send(body);
  };
  const events = async (taskId: string): Promise<Event[]> =>
    json<{ items: Event[] }>(await h.http().get(`/v1/events?taskId=${taskId}&limit=100`).set(me).expect(200)).items;
  const types = async (taskId: string) => (await events(taskId)).map((e) => e.type);

  it('an `at` without a zone is refused with 400 VALIDATION_FAILED, and nothing is written', async () => {
    const id = await createTask(h, FIRM, 1, { contacts: fresh(10) });
    const res = await start(id, { at: '2027-03-01T09:30:00' }).expect(400);
    expect(json<ErrorBody>(res)).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'at', errors: [expect.stringContaining('zone')] }],
    });
    const bad = await h
      .http()
      .post('/v1/tasks')
      .set(me)
      .send({ name: 'x', scriptId: 'recruit-v1', contacts: contacts(1), startAt: '2027-03-01' })
      .expect(400);
    expect(json<ErrorBody>(bad).details).toEqual([{ field: 'startAt', errors: [expect.stringContaining('zone')] }]);
    expect(await getTask(id)).toMatchObject({ status: 1, startAt: null, waitingFor: null });
    expect(await types(id)).toEqual([]);
  });

  it('a scheduled task stays not started, waiting for its time; it starts at the first minute check after it, never before', async () => {
    const id = await createTask(h, FIRM, 1, { contacts: fresh(10) });
    const at = new Date(Date.now() + 10 * MINUTE);
    const scheduled = task(await start(id, { at: at.toISOString().replace('Z', '+00:00') }).expect(200));
    expect(scheduled).toMatchObject({
      status: 1,
      startAt: at.toISOString(),
      waitingFor: 'scheduled',
      nextActionAt: at.toISOString(),
      activeCampaign: null,
    });
    const [event] = await events(id);
    expect(event).toMatchObject({
      type: 'task.scheduled',
      sequence: 1,
      data: { taskId: id, status: 1, startAt: at.toISOString(), previousStartAt: null, reason: 'recruiter' },
    });

    clock.set(new Date(at.getTime() - 1000));
    expect(await scheduledStarts()).toMatchObject({ started: 0 });
    expect(await getTask(id)).toMatchObject({ status: 1, waitingFor: 'scheduled' });

    clock.set(new Date(at.getTime() + 30_000));
    expect(await scheduledStarts()).toMatchObject({ due: 1, started: 1, waitingForBot: 0, failed: 0 });
    const started = await getTask(id);
    expect(started).toMatchObject({ status: 3, startAt: at.toISOString(), waitingFor: null });
    expect(started.activeCampaign).toMatchObject({ status: 1, contactCount: 10 });
    expect(await types(id)).toEqual(['task.scheduled', 'task.started']);
    // Started: a second look finds nothing due.
    expect(await scheduledStarts()).toMatchObject({ due: 0, started: 0 });
  });

  it('across a window edge: an `at` outside the call window starts the task as a start does, and it waits for the window', async () => {
    // Window 09:00–10:00 Shanghai; at = 10:00:30 Shanghai, just after it closed.
    const id = await createTask(h, FIRM, 1, {
      contacts: fresh(10),
      callWindow: { start: '09:00', end: '10:00', days: [1, 2, 3, 4, 5, 6, 7], timeZone: 'Asia/Shanghai' },
    });
    clock.set(new Date('2031-05-05T01:55:00Z')); // 09:55 Shanghai
    const at = '2031-05-05T10:00:30+08:00';
    expect(task(await start(id, { at }).expect(200))).toMatchObject({
      status: 1,
      waitingFor: 'scheduled',
      nextActionAt: '2031-05-05T02:00:30.000Z',
    });
    clock.set(new Date('2031-05-05T02:01:00Z'));
    expect(await scheduledStarts()).toMatchObject({ started: 1 });
    expect(await getTask(id)).toMatchObject({
      status: 4,
      pauseReason: 'outside_window',
      waitingFor: 'call_window',
      nextActionAt: '2031-05-06T01:00:00.000Z',
      activeCampaign: null,
    });
    expect(await types(id)).toEqual(['task.scheduled', 'task.started', 'task.paused']);
    // The window opens the next day: the minute's edge check resumes it.
    clock.set(new Date('2031-05-06T01:00:30Z'));
    await h.edges();
    const resumed = await getTask(id);
    expect(resumed).toMatchObject({ status: 3, pauseReason: null });
    expect(resumed.activeCampaign).toMatchObject({ status: 1 });
    expect(await types(id)).toEqual(['task.scheduled', 'task.started', 'task.paused', 'task.resumed']);
  });

  it('reschedule, unschedule, and a plain start of a scheduled task; each change of schedule is an event', async () => {
    const id = await createTask(h, FIRM, 1, { contacts: fresh(10) });
    const t1 = new Date(Date.now() + 60 * MINUTE).toISOString();
    const t2 = new Date(Date.now() + 120 * MINUTE).toISOString();
    await start(id, { at: t1 }).expect(200);
    expect(task(await start(id, { at: t2 }).expect(200))).toMatchObject({ startAt: t2, nextActionAt: t2 });
    // The same time again changes nothing and writes nothing.
    await start(id, { at: t2 }).expect(200);
    const unscheduled = task(await start(id, { at: null }).expect(200));
    expect(unscheduled).toMatchObject({ status: 1, startAt: null, waitingFor: null, nextActionAt: null });
    await start(id, { at: null }).expect(200); // not scheduled: nothing to take back
    expect((await events(id)).map((e) => [e.type, e.data.startAt, e.data.previousStartAt])).toEqual([
      ['task.scheduled', t1, null],
      ['task.scheduled', t2, t1],
      ['task.scheduled', null, t2],
    ]);
    // Unscheduled: its old time passing starts nothing.
    clock.set(new Date(Date.parse(t2) + MINUTE));
    expect(await scheduledStarts()).toMatchObject({ due: 0 });
    clock.set(new Date());

    // Scheduled, then started by hand: started now, the schedule gone.
    await start(id, { at: t1 }).expect(200);
    const now = task(await start(id).expect(200));
    expect(now).toMatchObject({ status: 3, startAt: null });
    // An `at` for a task already started is refused; one not in the future is a plain start (a no-op here).
    expect(error(await start(id, { at: t2 }).expect(409))).toBe('TASK_ALREADY_STARTED');
    expect(task(await start(id, { at: new Date(Date.now() - MINUTE).toISOString() }).expect(200)).status).toBe(3);
    expect(await types(id)).toEqual([
      'task.scheduled',
      'task.scheduled',
      'task.scheduled',
      'task.scheduled',
      'task.started',
    ]);
  });

  it('an `at` not in the future starts now, as a plain start', async () => {
    const id = await createTask(h, FIRM, 1, { contacts: fresh(10) });
    const res = task(await start(id, { at: new Date(Date.now() - 5 * MINUTE).toISOString() }).expect(200));
    expect(res).toMatchObject({ status: 3, startAt: null });
    expect(await types(id)).toEqual(['task.started']);
  });

  it('startAt on create: in the future the task is created scheduled; in the past it is created and started', async () => {
    const at = new Date(Date.now() + 30 * MINUTE).toISOString();
    const later = await h
      .http()
      .post('/v1/tasks')
      .set(me)
      .send({ name: 'Monday', scriptId: 'recruit-v1', contacts: fresh(3), callWindow: ALWAYS, startAt: at })
      .expect(201);
    expect(json<Created>(later).task).toMatchObject({
      status: 1,
      startAt: at,
      waitingFor: 'scheduled',
      nextActionAt: at,
    });
    expect(json<Created>(later).contacts.added).toBe(3);
    expect((await events(json<Created>(later).task.id)).map((e) => [e.type, e.sequence, e.data.startAt])).toEqual([
      ['task.scheduled', 1, at],
    ]);

    const now = await h
      .http()
      .post('/v1/tasks')
      .set(me)
      .send({
        name: 'now',
        scriptId: 'recruit-v1',
        contacts: fresh(3),
        callWindow: ALWAYS,
        startAt: new Date(Date.now() - MINUTE).toISOString(),
      })
      .expect(201);
    expect(json<Created>(now).task).toMatchObject({ status: 3, startAt: null });
    expect(await types(json<Created>(now).task.id)).toEqual(['task.started']);
  });

  it('a scheduled task holds its quota slot; cancelled before its time it gives it back and never starts', async () => {
    const bot = async () =>
      json<{ botTaskUsed: number }>(await h.http().get('/v1/bot').set(me).expect(200)).botTaskUsed;
    const before = await bot();
    const at = new Date(Date.now() + 5 * MINUTE).toISOString();
    const res = await h
      .http()
      .post('/v1/tasks')
      .set(me)
      .send({ name: 'slot', scriptId: 'recruit-v1', contacts: fresh(2), callWindow: ALWAYS, startAt: at })
      .expect(201);
    const id = json<Created>(res).task.id;
    expect(await bot()).toBe(before + 1);
    expect(task(await h.http().post(`/v1/tasks/${id}/cancel`).set(me).expect(200))).toMatchObject({
      status: 6,
      startAt: null,
      waitingFor: null,
    });
    expect(await bot()).toBe(before);
    clock.set(new Date(Date.parse(at) + MINUTE));
    expect(await scheduledStarts()).toMatchObject({ due: 0 });
    expect(await getTask(id)).toMatchObject({ status: 6 });
    expect(error(await start(id, { at: null }).expect(409))).toBe('TASK_FINISHED');
    expect(await types(id)).toEqual(['task.scheduled', 'task.cancelled']);
  });

  it("only the task's owner schedules it", async () => {
    const id = await createTask(h, FIRM, 1, { contacts: fresh(10) });
    const at = new Date(Date.now() + 5 * MINUTE).toISOString();
    expect(error(await h.http().post(`/v1/tasks/${id}/start`).set(asAccount(FIRM, 2)).send({ at }).expect(403))).toBe(
      'NOT_TASK_OWNER',
    );
    expect(error(await h.http().post(`/v1/tasks/${id}/start`).set(asAccount(9299, 1)).send({ at }).expect(404))).toBe(
      'TASK_NOT_FOUND',
    );
    expect(await getTask(id)).toMatchObject({ startAt: null });
  });

  it("the minute's due-scheduled query reads a range of idx_task_scheduled, not the tasks started before", async () => {
    const ds = h.api.get(DataSource);
    // Many tasks scheduled long ago and started since (status 3 keeps its start_at), a few due now.
    const past = '2020-01-01 00:00:00.000';
    const rows = Array.from({ length: 3_000 }, (_, i) => [FIRM, 1, `old ${i}`, 's', i % 100 === 0 ? 1 : 3, past]);
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      await ds.query(
        `INSERT INTO ai_visitor_task (firm_id, account_id, name, script_id, status, start_at, batch_size, max_attempts, retry_gap_minutes) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, 10, 1, 0)').join(', ')}`,
        chunk.flat(),
      );
    }
    const sql =
      'SELECT id, firm_id, start_at FROM ai_visitor_task WHERE status = 1 AND start_at <= ? ORDER BY start_at, id LIMIT 1000';
    if (h.db.kind === 'sqlite') {
      const plan = await ds.query<{ detail: string }[]>(`EXPLAIN QUERY PLAN ${sql}`, [new Date().toISOString()]);
      expect(plan.map((p) => p.detail).join(' | ')).toMatch(
        /USING INDEX idx_task_scheduled \(status=\? AND start_at<\?\)/,
      );
    } else {
      await ds.query('ANALYZE TABLE ai_visitor_task');
      const [plan] = await ds.query<{ key: string | null; rows: number | string }[]>(`EXPLAIN ${sql}`, [new Date()]);
      expect(plan.key).toBe('idx_task_scheduled');
      expect(Number(plan.rows)).toBeLessThan(500);
    }
    // Clean up: these tasks are not the firm's real ones (cancelled so no later run starts them).
    await ds.query(`UPDATE ai_visitor_task SET status = 6 WHERE name LIKE 'old %'`);
  });

  describe('the BOT closed at the set time', () => {
    const OTHER = 9202;
    const other = asAccount(OTHER, 1);

    it('the task does not start: it stays scheduled, waiting for the BOT, and starts at the first minute check after it reopens', async () => {
      await grantBot(h, OTHER, { botTaskNum: 5, botExpireAt: '2099-01-01T00:00:00Z' });
      const id = await createTask(h, OTHER, 1, { contacts: fresh(10) });
      const at = new Date(Date.now() + 5 * MINUTE).toISOString();
      await h.http().post(`/v1/tasks/${id}/start`).set(other).send({ at }).expect(200);
      await grantBot(h, OTHER, { isOpenBot: false, botTaskNum: 5, botExpireAt: '2099-01-01T00:00:00Z' });

      clock.set(new Date(Date.parse(at) + 30_000));
      expect(await scheduledStarts()).toMatchObject({ due: 1, started: 0, waitingForBot: 1 });
      const waiting = task(await h.http().get(`/v1/tasks/${id}`).set(other).expect(200));
      expect(waiting).toMatchObject({ status: 1, startAt: at, waitingFor: 'bot', nextActionAt: null });
      // A start refused is not a start: no event, no campaign on the platform.
      const feed = json<{ items: Event[] }>(await h.http().get(`/v1/events?taskId=${id}`).set(other).expect(200)).items;
      expect(feed.map((e) => e.type)).toEqual(['task.scheduled']);

      // The recruiter may take the schedule back while the BOT is closed (it spends nothing), and set it again
      // once open.
      await h.http().post(`/v1/tasks/${id}/start`).set(other).send({ at: null }).expect(200);
      expect(error(await h.http().post(`/v1/tasks/${id}/start`).set(other).send({ at }).expect(403))).toBe(
        'BOT_NOT_OPEN',
      );
      await grantBot(h, OTHER, { botTaskNum: 5, botExpireAt: '2099-01-01T00:00:00Z' });
      clock.set(new Date());
      await h.http().post(`/v1/tasks/${id}/start`).set(other).send({ at }).expect(200);
      await grantBot(h, OTHER, { isOpenBot: false, botTaskNum: 5, botExpireAt: '2099-01-01T00:00:00Z' });
      clock.set(new Date(Date.parse(at) + 30_000));
      expect(await scheduledStarts()).toMatchObject({ started: 0, waitingForBot: 1 });

      // Reopened: the next minute check starts it.
      await grantBot(h, OTHER, { botTaskNum: 5, botExpireAt: '2099-01-01T00:00:00Z' });
      expect(await scheduledStarts()).toMatchObject({ started: 1 });
      expect(task(await h.http().get(`/v1/tasks/${id}`).set(other).expect(200))).toMatchObject({ status: 3 });
    });
  });
});
