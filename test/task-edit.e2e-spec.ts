import { DataSource } from 'typeorm';
import { asAccount, Harness, startHarness } from './support/harness';
import { ALWAYS, contacts, createTask, grantBot, syncUntil } from './support/factories';
import { groundTruth } from './support/ground-truth';
import { expectCountersExact } from './support/stats-counters';
import { bodyOf } from './support/api-types';

const FIRM = 8201;
const OTHER_FIRM = 8202;
const me = asAccount(FIRM, 1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A contact as `GET /v1/tasks/:id/contacts` lists it. */
interface Contact {
  id: string;
  candidateRef: string | null;
  phone: string;
  status: number;
  skipReason: string | null;
  withdrawPending: boolean;
  attempts: number;
  callResult: number;
  failReason: string | null;
  intensionResult: number;
  calledAt: string | null;
  nextAttemptAt: string | null;
}

/** An event as the outbox holds it, its payload parsed. */
interface StoredEvent {
  type: string;
  sequence: number;
  data: Record<string, unknown>;
}

const codeOf = (res: { body: unknown }): string | undefined => bodyOf<{ code?: string }>(res).code;
const parsed = (data: unknown): Record<string, unknown> =>
  (typeof data === 'string' ? JSON.parse(data) : data) as Record<string, unknown>;

/** A window open on one weekday three days from today in Shanghai: closed now, and for the whole test. */
function closedWindow(): { start: string; end: string; days: number[]; timeZone: string } {
  const local = new Date(Date.now() + 8 * 3600_000);
  const today = ((local.getUTCDay() + 6) % 7) + 1;
  return { start: '09:00', end: '20:00', days: [((today + 2) % 7) + 1], timeZone: 'Asia/Shanghai' };
}

/** Issue 22, item 2: a task's settings changed while it runs, each taking effect when the issue says. */
describe('edit a task (PATCH /v1/tasks/:id)', () => {
  let h: Harness;
  let ds: DataSource;
  const task = async (id: string) =>
    bodyOf<Record<string, unknown>>(await h.http().get(`/v1/tasks/${id}`).set(me).expect(200));
  const list = async (id: string) =>
    bodyOf<{ items: Contact[] }>(
      await h.http().get(`/v1/tasks/${id}/contacts`).query({ pageSize: 500 }).set(me).expect(200),
    ).items;
  const stats = async (id: string) =>
    bodyOf<Record<string, number>>(await h.http().get(`/v1/tasks/${id}/stats`).set(me).expect(200));
  const events = async (id: string, type?: string): Promise<StoredEvent[]> => {
    const rows: { type: string; sequence: number | string; data: unknown }[] = await ds.query(
      `SELECT type, sequence, data FROM ai_visitor_event WHERE task_id = ?${type ? ' AND type = ?' : ''} ORDER BY sequence`,
      type ? [id, type] : [id],
    );
    return rows.map((e) => ({ type: e.type, sequence: Number(e.sequence), data: parsed(e.data) }));
  };
  /** Sync passes until no contact of the task is in a campaign (every call of the running one reported). */
  const syncUntilSettled = async (id: string) => {
    for (let i = 0; i < 200; i++) {
      await h.sync();
      if ((await stats(id)).inCampaign === 0) return;
      await sleep(25);
    }
    throw new Error(`task ${id} still has contacts in a campaign`);
  };

  beforeAll(async () => {
    // Calls of 40 ms, one at a time: a campaign of 100 is part-way through for seconds. Half the calls fail.
    h = await startHarness({ simulator: { callMs: 40, parallelism: 1, seed: 22, connectRate: 0.5 } });
    ds = h.api.get(DataSource);
    await grantBot(h, FIRM, { botTaskNum: 100 });
    await grantBot(h, OTHER_FIRM, { botTaskNum: 10 });
  });

  afterAll(async () => {
    await expectCountersExact(ds);
    await h.close();
  });

  it('a window that closes under a running campaign pauses it at the next minute check, and its opening resumes it', async () => {
    const id = await createTask(h, FIRM, 1, { contacts: contacts(100, 1000), batchSize: 100 });
    const started = bodyOf<{ activeCampaign: { campaignId: string } }>(
      await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200),
    );
    expect(started).toMatchObject({ status: 3, activeCampaign: { status: 1 } });
    const window = closedWindow();

    const edited = bodyOf<Record<string, unknown>>(
      await h.http().patch(`/v1/tasks/${id}`).set(me).send({ callWindow: window }).expect(200),
    );
    // Recorded now; it takes effect at the worker's next minute check.
    expect(edited).toMatchObject({ status: 3, callWindow: window });
    const [updated] = await events(id, 'task.updated');
    expect(updated.data).toEqual({ taskId: id, changed: { callWindow: { from: ALWAYS, to: window } } });

    await h.edges();
    expect(await task(id)).toMatchObject({
      status: 4,
      pauseReason: 'outside_window',
      waitingFor: 'call_window',
      activeCampaign: { status: 2 },
    });
    const campaignId = started.activeCampaign.campaignId;
    const paused = await groundTruth(h.simulator.baseUrl, [campaignId]);
    expect(paused.campaigns[0].status).toBe(2);
    await sleep(200);
    // Nobody is dialled while the window is closed: a call in flight at the pause may still end with its record,
    // so the calls begun (ended plus in flight) stay as they were.
    const begun = (c: { dialled_count: number; in_flight_count?: number }) =>
      c.dialled_count + (c.in_flight_count ?? 0);
    expect(begun((await groundTruth(h.simulator.baseUrl, [campaignId])).campaigns[0])).toBe(begun(paused.campaigns[0]));
    expect((await events(id)).filter((e) => e.type.startsWith('task.')).map((e) => e.type)).toEqual([
      'task.started',
      'task.updated',
      'task.paused',
    ]);

    // The window opens again (edited back): the next minute check resumes it, as any window pause.
    await h.http().patch(`/v1/tasks/${id}`).set(me).send({ callWindow: ALWAYS }).expect(200);
    await h.edges();
    expect(await task(id)).toMatchObject({ status: 3, pauseReason: null, activeCampaign: { status: 1 } });
    expect((await groundTruth(h.simulator.baseUrl, [campaignId])).campaigns[0].status).toBe(1);
    await h.http().post(`/v1/tasks/${id}/cancel`).set(me).expect(200);
    await h.sync();
  });

  it('a new retry gap moves the waiting contacts; a lower maxAttempts ends those that had that many, results and statistics kept', async () => {
    const id = await createTask(h, FIRM, 1, {
      contacts: contacts(20, 2000),
      batchSize: 20,
      maxAttempts: 3,
      retryGapMinutes: 120,
    });
    await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
    await syncUntilSettled(id);
    const before = await list(id);
    // Waiting for a retry: the failed ones (an "inconvenient" candidate's callback is not a retry, and stays).
    const failed = before.filter((c) => c.callResult === 2);
    const callbacks = before.filter((c) => c.callResult === 1 && c.status === 1).length;
    expect(failed.length).toBeGreaterThan(0);
    for (const c of failed) {
      expect(c).toMatchObject({ status: 1 });
      expect(c.attempts).toBeGreaterThanOrEqual(1);
      expect(Date.parse(c.nextAttemptAt ?? '')).toBe(Date.parse(c.calledAt ?? '') + 120 * 60_000);
    }
    const statsBefore = await stats(id);

    await h.http().patch(`/v1/tasks/${id}`).set(me).send({ retryGapMinutes: 5 }).expect(200);
    for (const c of (await list(id)).filter((x) => x.callResult === 2))
      expect(Date.parse(c.nextAttemptAt ?? '')).toBe(Date.parse(c.calledAt ?? '') + 5 * 60_000);
    expect(await task(id)).toMatchObject({ retryGapMinutes: 5, waitingFor: 'retry_gap' });

    const edited = bodyOf<Record<string, unknown>>(
      await h.http().patch(`/v1/tasks/${id}`).set(me).send({ maxAttempts: 1 }).expect(200),
    );
    expect(edited).toMatchObject({ maxAttempts: 1 });
    const after = await list(id);
    for (const c of after.filter((x) => x.callResult === 2)) {
      // Not called again; the result stays as it was.
      const was = failed.find((f) => f.id === c.id)!;
      expect(c).toMatchObject({ status: 3, attempts: was.attempts, nextAttemptAt: null, failReason: was.failReason });
    }
    const statsAfter = await stats(id);
    expect(statsAfter).toEqual({
      ...statsBefore,
      waiting: callbacks,
      done: statsBefore.done + failed.length,
    });
    expect((await events(id, 'task.updated')).map((e) => e.data.changed)).toEqual([
      { retryGapMinutes: { from: 120, to: 5 } },
      { maxAttempts: { from: 3, to: 1 } },
    ]);
    // Nothing left to call but the callbacks: the passes complete it, nobody failed called again.
    await syncUntil(h, FIRM, 1, id, 5);
    const again = await list(id);
    for (const c of failed) expect(again.find((x) => x.id === c.id)).toMatchObject({ attempts: c.attempts });
  });

  it('a lower maxAttempts under a running campaign: the calls it makes are its last', async () => {
    const id = await createTask(h, FIRM, 1, {
      contacts: contacts(40, 3000),
      batchSize: 40,
      maxAttempts: 3,
      retryGapMinutes: 0,
    });
    const started = bodyOf<{ activeCampaign: { campaignId: string } }>(
      await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200),
    );
    await h.http().patch(`/v1/tasks/${id}`).set(me).send({ maxAttempts: 1 }).expect(200);
    await syncUntilSettled(id);
    await h.sync();
    expect(await task(id)).toMatchObject({ status: 5 });
    // Every call the platform made for the task: no failed call is followed by another (maxAttempts 1 from the
    // edit on); only an "inconvenient" candidate's callback follows a call.
    const rows: { campaign_id: string }[] = await ds.query(
      'SELECT campaign_id FROM ai_visitor_call_task WHERE task_id = ?',
      [id],
    );
    const ids = rows.map((r) => r.campaign_id);
    expect(ids).toContain(started.activeCampaign.campaignId);
    const truth = await groundTruth(h.simulator.baseUrl, ids);
    const calls = new Map<string, { at: string; result: number; intention: number }[]>();
    for (const c of truth.campaigns)
      for (const r of c.records ?? [])
        calls.set(r.ref, [
          ...(calls.get(r.ref) ?? []),
          { at: r.called_at, result: r.call_result, intention: r.intention },
        ]);
    expect(calls.size).toBe(40);
    for (const list of calls.values()) {
      list.sort((a, b) => a.at.localeCompare(b.at));
      list.slice(0, -1).forEach((call) => expect(call).toMatchObject({ result: 1, intention: 3 }));
    }
    const s = await stats(id);
    expect(s).toMatchObject({ total: 40, done: 40, waiting: 0, attempts: truth.records });
    expect(s.failed).toBeGreaterThan(0);
  });

  it('a batch size applies from the next campaign', async () => {
    const id = await createTask(h, FIRM, 1, { contacts: contacts(6, 4000), batchSize: 2, maxAttempts: 1 });
    await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
    await h.http().patch(`/v1/tasks/${id}`).set(me).send({ batchSize: 3 }).expect(200);
    for (let i = 0; i < 200; i++) {
      const rows: { n: number | string }[] = await ds.query(
        'SELECT COUNT(*) AS n FROM ai_visitor_call_task WHERE task_id = ?',
        [id],
      );
      if (Number(rows[0].n) >= 2) break;
      await h.sync();
      await sleep(25);
    }
    const callTasks: { contact_count: number | string }[] = await ds.query(
      'SELECT contact_count FROM ai_visitor_call_task WHERE task_id = ? ORDER BY batch_no',
      [id],
    );
    const counts = callTasks.map((r) => Number(r.contact_count));
    expect(counts.slice(0, 2)).toEqual([2, 3]);
    await h.http().post(`/v1/tasks/${id}/cancel`).set(me).expect(200);
    await h.sync();
  });

  it('refuses an empty patch and bad values with nothing written; an edit that changes nothing says nothing', async () => {
    const id = await createTask(h, FIRM, 1, { contacts: contacts(2, 5000), maxAttempts: 2 });
    const before = await task(id);
    const refuse = async (body: object, field: string) => {
      const res = await h.http().patch(`/v1/tasks/${id}`).set(me).send(body).expect(400);
      expect(codeOf(res)).toBe('VALIDATION_FAILED');
      expect(bodyOf<{ details: { field: string }[] }>(res).details.map((d) => d.field)).toContain(field);
    };
    await refuse({}, 'body');
    await refuse({ maxAttempts: 0 }, 'maxAttempts');
    await refuse({ maxAttempts: 11 }, 'maxAttempts');
    await refuse({ retryGapMinutes: -1 }, 'retryGapMinutes');
    await refuse({ batchSize: 1_000_000 }, 'batchSize');
    await refuse({ name: '' }, 'name');
    await refuse({ callWindow: { start: '20:00', end: '09:00' } }, 'callWindow');
    await refuse({ callWindow: { timeZone: 'Mars/Olympus' } }, 'callWindow');
    await refuse({ scriptId: 'other' }, 'scriptId');
    expect(await task(id)).toEqual(before);
    expect(await events(id)).toEqual([]);

    // The same values: 200, nothing changed, no event.
    await h.http().patch(`/v1/tasks/${id}`).set(me).send({ maxAttempts: 2, name: before.name }).expect(200);
    expect(await events(id)).toEqual([]);
    const renamed = bodyOf<{ name: string }>(
      await h.http().patch(`/v1/tasks/${id}`).set(me).send({ name: '新名字' }).expect(200),
    );
    expect(renamed.name).toBe('新名字');
    expect((await events(id)).map((e) => e.data)).toEqual([
      { taskId: id, changed: { name: { from: before.name, to: '新名字' } } },
    ]);
  });

  it('only the owner edits, and not a finished task (409 TASK_FINISHED)', async () => {
    const id = await createTask(h, FIRM, 1, { contacts: contacts(2, 6000) });
    const colleague = await h.http().patch(`/v1/tasks/${id}`).set(asAccount(FIRM, 2)).send({ name: 'x' }).expect(403);
    expect(codeOf(colleague)).toBe('NOT_TASK_OWNER');
    const stranger = await h.http().patch(`/v1/tasks/${id}`).set(asAccount(OTHER_FIRM, 1)).send({ name: 'x' });
    expect(stranger.status).toBe(404);
    expect(codeOf(stranger)).toBe('TASK_NOT_FOUND');
    await h.http().post(`/v1/tasks/${id}/cancel`).set(me).expect(200);
    const finished = await h.http().patch(`/v1/tasks/${id}`).set(me).send({ maxAttempts: 1 }).expect(409);
    expect(codeOf(finished)).toBe('TASK_FINISHED');
    expect(await events(id, 'task.updated')).toEqual([]);
    expect(await task(id)).toMatchObject({ status: 6, name: 'Java 架构师寻访' });
  });
});
