import { DataSource } from 'typeorm';
import { asAccount, Harness, startHarness } from './support/harness';
import { ALWAYS, contacts, createTask, grantBot, insertContacts, mobiles, syncUntil } from './support/factories';

/**
 * Call the unreached again (issue 22, item 5): `POST /tasks/:id/follow-up` makes a new task from a finished or
 * paused task's contacts that match a filter, through the same intake as added contacts; the source task's own
 * calls do not count for the cooling period, another task's recent calls do.
 */

const FIRM = 9301;
const me = asAccount(FIRM, 1);

interface Contact {
  id: string;
  name: string;
  candidateRef: string;
  phone: string;
  status: number;
  skipReason: string | null;
  attempts: number;
  callResult: number;
  intensionResult: number;
}

interface TaskBody {
  id: string;
  status: number;
  sourceTaskId: string | null;
  activeCampaign: { contactCount: number } | null;
}

interface Skipped {
  sourceContactId: string;
  phone: string;
  candidateRef: string | null;
  reason: string;
}

interface FollowUpBody {
  task: TaskBody;
  contacts: { added: number; skipped: Skipped[] };
}

/** A response's body as the test reads it (the contract check has validated its shape). */
const json = <T>(res: { body: unknown }): T => res.body as T;
const code = (res: { body: unknown }) => json<{ code: string }>(res).code;

describe('follow-up', () => {
  let h: Harness;
  let nextNumber = 1;
  /** Numbers of their own for each scenario: a number one task dialled cools down for the firm's other tasks. */
  const fresh = (count: number) => {
    const list = contacts(count, nextNumber);
    nextNumber += count;
    return list;
  };

  beforeAll(async () => {
    h = await startHarness({ simulator: { callMs: 5, connectRate: 0.5 } });
    await grantBot(h, FIRM, { botTaskNum: 100, botExpireAt: '2099-01-01T00:00:00Z' });
  });

  afterAll(async () => {
    await h.close();
  });

  const followUp = (taskId: string, body: object, who = me) =>
    h.http().post(`/v1/tasks/${taskId}/follow-up`).set(who).send(body);
  const contactsOf = async (taskId: string): Promise<Contact[]> =>
    json<{ items: Contact[] }>(await h.http().get(`/v1/tasks/${taskId}/contacts?pageSize=500`).set(me).expect(200))
      .items;
  const botUsed = async () =>
    json<{ botTaskUsed: number }>(await h.http().get('/v1/bot').set(me).expect(200)).botTaskUsed;
  /** The task's lifecycle events, in order. */
  const eventTypes = async (taskId: string) =>
    json<{ items: { type: string }[] }>(
      await h.http().get(`/v1/events?taskId=${taskId}&limit=1000`).set(me).expect(200),
    )
      .items.map((e) => e.type)
      .filter((type) => type.startsWith('task.'));
  /** A task of `list` called once each, to its end. */
  const finishedTask = async (list: ReturnType<typeof contacts>, extra: object = {}) => {
    const id = await createTask(h, FIRM, 1, { contacts: list, maxAttempts: 1, callWindow: ALWAYS, ...extra });
    await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
    await syncUntil(h, FIRM, 1, id, 5);
    return id;
  };

  it('made right after its source: the source calls do not cool its numbers, so every match is added and dialled again', async () => {
    const source = await finishedTask(fresh(30));
    const called = await contactsOf(source);
    const failed = called.filter((c) => c.callResult === 2);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(30);
    const usedBefore = await botUsed();

    const res = await followUp(source, { filter: { callResult: [2] } }).expect(201);
    expect(json<FollowUpBody>(res).task).toMatchObject({
      status: 1,
      name: 'Java 架构师寻访 (follow-up)',
      sourceTaskId: source,
      maxAttempts: 1,
      callWindow: ALWAYS,
      waitingFor: null,
    });
    expect(json<FollowUpBody>(res).contacts).toEqual({ added: failed.length, skipped: [] });
    expect(await botUsed()).toBe(usedBefore + 1);
    const id = json<FollowUpBody>(res).task.id;
    expect(json<TaskBody>(await h.http().get(`/v1/tasks/${id}`).set(me).expect(200)).sourceTaskId).toBe(source);

    const copied = await contactsOf(id);
    expect(copied.map((c) => [c.phone, c.name, c.candidateRef, c.status, c.attempts])).toEqual(
      failed.map((c) => [c.phone, c.name, c.candidateRef, 1, 0]),
    );
    // Copied sealed as stored: the same keyed hash and ciphertext, never sealed again.
    const ds = h.api.get(DataSource);
    const sealed = async (taskId: string) =>
      (
        await ds.query<{ phone_hash: string; phone_enc: string }[]>(
          `SELECT phone_hash, phone_enc FROM ai_visitor_list WHERE task_id = ? ORDER BY id`,
          [taskId],
        )
      ).map((r) => `${r.phone_hash}/${r.phone_enc}`);
    const sourceSealed = new Set(await sealed(source));
    expect((await sealed(id)).every((s) => sourceSealed.has(s))).toBe(true);

    // Started at once: its campaign claims every number (the source's calls do not count), and dials them again.
    const started = json<TaskBody>(await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200));
    expect(started.activeCampaign?.contactCount).toBe(failed.length);
    await syncUntil(h, FIRM, 1, id, 5);
    // Each dialled again (an "inconvenient" one may be called back once more).
    expect((await contactsOf(id)).filter((c) => c.attempts < 1 || c.status !== 3)).toEqual([]);
    // Events: none at creation (the answer says it all, as for a create); the new task's own from its start.
    expect(await eventTypes(id)).toEqual(['task.started', 'task.completed']);
    expect(await eventTypes(source)).toEqual(['task.started', 'task.completed']);
  });

  it("another task's recent call still cools a number; the skipped come back with reasons and masked numbers", async () => {
    const shared = fresh(6);
    const own = fresh(10);
    // Task C calls the shared numbers first; the source then skips them: cooling, or, where C's candidate said
    // "not considering" or "wrong number", do_not_call / invalid.
    await finishedTask(shared);
    const source = await finishedTask([...shared, ...own]);
    const sourceContacts = await contactsOf(source);
    const sharedRefs = new Set(shared.map((c) => c.candidateRef));
    const held = sourceContacts.filter((c) => sharedRefs.has(c.candidateRef));
    expect(held.map((c) => [c.status, c.attempts])).toEqual(held.map(() => [4, 0]));
    const cooled = held.filter((c) => c.skipReason === 'cooling');
    expect(cooled.length).toBeGreaterThan(0);
    const unreached = sourceContacts.filter((c) => c.callResult !== 1);

    const res = await followUp(source, { name: '第二轮', filter: { callResult: [0, 2] } }).expect(201);
    expect(json<FollowUpBody>(res).task).toMatchObject({ name: '第二轮', sourceTaskId: source });
    // Each shared number is skipped again for the same reason: C's recent call still cools it (C is not the source).
    expect(json<FollowUpBody>(res).contacts.skipped).toEqual(
      held.map((c) => ({ sourceContactId: c.id, phone: c.phone, candidateRef: c.candidateRef, reason: c.skipReason })),
    );
    expect(json<FollowUpBody>(res).contacts.added).toBe(unreached.length - held.length);
    expect(json<FollowUpBody>(res).contacts.skipped[0].phone).toMatch(/^\+86139\*{4}\d{4}$/);
    for (const phone of mobiles(16, Number(shared[0].candidateRef.slice(5))))
      expect(JSON.stringify(res.body)).not.toContain(phone);
    const copied = await contactsOf(json<FollowUpBody>(res).task.id);
    expect(copied.filter((c) => c.status === 4).map((c) => c.skipReason)).toEqual(held.map((c) => c.skipReason));
  });

  it('filters: intention, skip reason, each list holding the value, combined; settings over the source', async () => {
    const source = await finishedTask(fresh(30));
    const all = await contactsOf(source);
    const connected = all.filter((c) => c.callResult === 1);
    const intentions = [...new Set(connected.map((c) => c.intensionResult))];
    const pick = intentions.slice(0, 2);
    const expected = all.filter((c) => c.callResult === 1 && pick.includes(c.intensionResult));
    const res = await followUp(source, {
      filter: { callResult: [1], intention: pick },
      settings: { maxAttempts: 3, batchSize: 7, retryGapMinutes: 5 },
    }).expect(201);
    // A number a candidate asked never to be called again (not considering), or found wrong, is skipped by intake.
    const reasonOf = (c: Contact) =>
      c.intensionResult === 2 ? 'do_not_call' : c.intensionResult === 4 ? 'invalid' : null;
    expect(json<FollowUpBody>(res).contacts.added).toBe(expected.filter((c) => !reasonOf(c)).length);
    expect(json<FollowUpBody>(res).contacts.skipped.map((s: { reason: string }) => s.reason)).toEqual(
      expected.filter((c) => reasonOf(c)).map(reasonOf),
    );
    expect(json<FollowUpBody>(res).task).toMatchObject({
      maxAttempts: 3,
      batchSize: 7,
      retryGapMinutes: 5,
      callWindow: ALWAYS,
    });

    // Skip reason: a cancelled task's contacts never called.
    const cancelled = await createTask(h, FIRM, 1, { contacts: fresh(5) });
    await h.http().post(`/v1/tasks/${cancelled}/cancel`).set(me).expect(200);
    const again = await followUp(cancelled, { filter: { skipReason: ['cancelled'] } }).expect(201);
    expect(json<FollowUpBody>(again).contacts).toEqual({ added: 5, skipped: [] });
    // Nothing matches: nothing is created, no slot taken.
    const used = await botUsed();
    expect(code(await followUp(cancelled, { filter: { callResult: [1] } }).expect(409))).toBe('NO_CONTACTS_MATCH');
    expect(await botUsed()).toBe(used);
  });

  it('tens of thousands of contacts are copied page by page (a source of 2,500)', async () => {
    const source = await createTask(h, FIRM, 1, { contacts: [] });
    await insertContacts(h, source, 2_500, 500_000);
    await h.http().post(`/v1/tasks/${source}/cancel`).set(me).expect(200);
    const res = await followUp(source, { filter: { skipReason: ['cancelled'], callResult: [0] } }).expect(201);
    expect(json<FollowUpBody>(res).contacts).toEqual({ added: 2_500, skipped: [] });
    const stats = json<object>(
      await h
        .http()
        .get(`/v1/tasks/${json<FollowUpBody>(res).task.id}/stats`)
        .set(me)
        .expect(200),
    );
    expect(stats).toMatchObject({ total: 2_500, waiting: 2_500 });
  });

  it('a paused source is followed up; a running or not started one is refused with 409 TASK_NOT_SETTLED', async () => {
    const id = await createTask(h, FIRM, 1, { contacts: fresh(4) });
    const refuse = async () => {
      const res = await followUp(id, { filter: { callResult: [0] } }).expect(409);
      expect(code(res)).toBe('TASK_NOT_SETTLED');
    };
    await refuse(); // not started
    await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
    await refuse(); // running
    await h.http().post(`/v1/tasks/${id}/pause`).set(me).expect(200);
    const res = await followUp(id, { filter: { callResult: [0, 2] } }).expect(201);
    expect(json<FollowUpBody>(res).task.sourceTaskId).toBe(id);
  });

  it('400 for an empty filter or unknown values, with nothing written', async () => {
    const cancelled = await createTask(h, FIRM, 1, { contacts: fresh(2) });
    await h.http().post(`/v1/tasks/${cancelled}/cancel`).set(me).expect(200);
    const used = await botUsed();
    for (const body of [
      {},
      { filter: {} },
      { filter: { callResult: [] } },
      { filter: { callResult: [7] } },
      { filter: { intention: [9] } },
      { filter: { skipReason: ['nope'] } },
      { filter: { callResult: [0] }, settings: { batchSize: 0 } },
      { filter: { callResult: [0] }, extra: 1 },
    ]) {
      const res = await followUp(cancelled, body).expect(400);
      expect({ body, code: code(res) }).toEqual({ body, code: 'VALIDATION_FAILED' });
    }
    expect(await botUsed()).toBe(used);
  });

  it('the owner only; the quota slot and the BOT are checked as for a create', async () => {
    const cancelled = await createTask(h, FIRM, 1, { contacts: fresh(2) });
    await h.http().post(`/v1/tasks/${cancelled}/cancel`).set(me).expect(200);
    const body = { filter: { skipReason: ['cancelled'] } };
    expect(code(await followUp(cancelled, body, asAccount(FIRM, 2)).expect(403))).toBe('NOT_TASK_OWNER');
    expect(code(await followUp(cancelled, body, asAccount(9399, 1)).expect(404))).toBe('TASK_NOT_FOUND');

    const used = await botUsed();
    await grantBot(h, FIRM, { botTaskNum: used, botExpireAt: '2099-01-01T00:00:00Z' });
    expect(code(await followUp(cancelled, body).expect(403))).toBe('BOT_TASK_QUOTA_EXCEEDED');
    await grantBot(h, FIRM, { isOpenBot: false, botTaskNum: 100, botExpireAt: '2099-01-01T00:00:00Z' });
    expect(code(await followUp(cancelled, body).expect(403))).toBe('BOT_NOT_OPEN');
    await grantBot(h, FIRM, { botTaskNum: 100, botExpireAt: '2099-01-01T00:00:00Z' });
    expect(await botUsed()).toBe(used);
    await followUp(cancelled, body).expect(201);
    expect(await botUsed()).toBe(used + 1);
  });
});
