import { DataSource } from 'typeorm';
import { asAccount, Harness, startHarness } from './support/harness';
import { contacts, createTask, grantBot, mobiles, syncUntil } from './support/factories';
import { groundTruth } from './support/ground-truth';
import { expectCountersExact } from './support/stats-counters';
import { bodyOf } from './support/api-types';

const FIRM = 8301;
const OTHER_FIRM = 8302;
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
  intensionResult: number;
  calledAt: string | null;
}

/** The withdrawal's answer. */
interface Withdrawal {
  withdrawn: { contactId: string; phone: string }[];
  afterCampaign: { contactId: string; phone: string }[];
  notFound: { index: number; contactId: string | null; phone: string | null }[];
}

/** A `contact.withdrawn` event's payload. */
interface WithdrawnEvent {
  taskId: string;
  contactId: string;
  phone: string;
  afterCampaign: boolean;
  attempts: number;
  callResult: number;
  intention: number;
}

const codeOf = (res: { body: unknown }): string | undefined => bodyOf<{ code?: string }>(res).code;

/** Issue 22, item 3: withdrawing candidates, at once or when the campaign that holds them is done with them. */
describe('withdraw candidates (POST /v1/tasks/:id/contacts/withdraw)', () => {
  let h: Harness;
  let ds: DataSource;
  const task = async (id: string) =>
    bodyOf<Record<string, unknown>>(await h.http().get(`/v1/tasks/${id}`).set(me).expect(200));
  const list = async (id: string) =>
    bodyOf<{ items: Contact[] }>(
      await h.http().get(`/v1/tasks/${id}/contacts`).query({ pageSize: 500 }).set(me).expect(200),
    ).items;
  const stats = async (id: string) =>
    bodyOf<{ skippedBy: Record<string, number> } & Record<string, unknown>>(
      await h.http().get(`/v1/tasks/${id}/stats`).set(me).expect(200),
    );
  const withdrawn = async (id: string): Promise<WithdrawnEvent[]> => {
    const rows: { data: unknown }[] = await ds.query(
      `SELECT data FROM ai_visitor_event WHERE task_id = ? AND type = 'contact.withdrawn' ORDER BY sequence`,
      [id],
    );
    return rows.map((e) => (typeof e.data === 'string' ? JSON.parse(e.data) : e.data) as WithdrawnEvent);
  };
  const withdraw = (id: string, body: object, who = me) =>
    h.http().post(`/v1/tasks/${id}/contacts/withdraw`).set(who).send(body);
  /** Every call the platform made for the task, per contact id. */
  const callsOf = async (id: string) => {
    const rows: { campaign_id: string }[] = await ds.query(
      'SELECT campaign_id FROM ai_visitor_call_task WHERE task_id = ?',
      [id],
    );
    const ids = rows.map((r) => r.campaign_id);
    const truth = await groundTruth(h.simulator.baseUrl, ids);
    const calls = new Map<string, { campaign: string; result: number }[]>();
    for (const c of truth.campaigns)
      for (const r of c.records ?? [])
        calls.set(r.ref, [...(calls.get(r.ref) ?? []), { campaign: c.campaign_id, result: r.call_result }]);
    return calls;
  };

  beforeAll(async () => {
    // Calls of 40 ms, one at a time: a campaign of 10 is part-way through for a while. Half the calls fail.
    // Numbers 137… are never dialled: their campaign ends without a result for them.
    h = await startHarness({
      simulator: {
        callMs: 40,
        parallelism: 1,
        seed: 23,
        connectRate: 0.5,
        neverDials: (phone) => phone.startsWith('+86137'),
      },
    });
    ds = h.api.get(DataSource);
    await grantBot(h, FIRM, { botTaskNum: 100 });
    await grantBot(h, OTHER_FIRM, { botTaskNum: 10 });
  });

  afterAll(async () => {
    await expectCountersExact(ds);
    await h.close();
  });

  it('during a campaign: the waiting are withdrawn at once and never dialled; those it holds when it ends, results kept', async () => {
    const id = await createTask(h, FIRM, 1, {
      contacts: contacts(30, 1000),
      batchSize: 10,
      maxAttempts: 3,
      retryGapMinutes: 0,
    });
    const started = bodyOf<{ activeCampaign: { campaignId: string } }>(
      await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200),
    );
    const firstCampaign = started.activeCampaign.campaignId;
    const before = await list(id);
    const held = before.filter((c) => c.status === 2).slice(-3);
    const waiting = before.filter((c) => c.status === 1).slice(0, 3);
    expect(held).toHaveLength(3);

    const res = await withdraw(id, { contactIds: [...held, ...waiting].map((c) => c.id).concat(['999999999']) });
    expect(res.status).toBe(200);
    expect(bodyOf<Withdrawal>(res)).toEqual({
      withdrawn: waiting.map((c) => ({ contactId: c.id, phone: c.phone })),
      afterCampaign: held.map((c) => ({ contactId: c.id, phone: c.phone })),
      notFound: [{ index: 6, contactId: '999999999', phone: null }],
    });
    const now = await list(id);
    for (const c of waiting)
      expect(now.find((x) => x.id === c.id)).toMatchObject({
        status: 4,
        skipReason: 'withdrawn',
        nextAttemptAt: null,
      });
    for (const c of held)
      expect(now.find((x) => x.id === c.id)).toMatchObject({ status: 2, withdrawPending: true, skipReason: null });
    expect((await withdrawn(id)).map((e) => [e.contactId, e.afterCampaign])).toEqual(waiting.map((c) => [c.id, false]));

    // The campaign runs to its end (the platform cannot take them out): their calls are made and kept, and they are
    // withdrawn once it is done with them; the rest of the task goes on without them.
    await syncUntil(h, FIRM, 1, id, 5);
    const after = await list(id);
    const calls = await callsOf(id);
    for (const c of held) {
      const contact = after.find((x) => x.id === c.id)!;
      expect(contact).toMatchObject({ status: 4, skipReason: 'withdrawn', withdrawPending: false });
      // Called in the campaign that held it, never after; its result is the one that call made.
      const made = calls.get(c.id) ?? [];
      expect(made.every((call) => call.campaign === firstCampaign)).toBe(true);
      expect(made.length).toBeLessThanOrEqual(1);
      if (made.length) expect(contact.callResult).toBe(made[0].result);
    }
    for (const c of waiting) {
      expect(calls.has(c.id)).toBe(false);
      expect(after.find((x) => x.id === c.id)).toMatchObject({ status: 4, skipReason: 'withdrawn', attempts: 0 });
    }
    const s = await stats(id);
    expect(s).toMatchObject({ total: 30, skipped: 6, waiting: 0, inCampaign: 0 });
    expect(s.skippedBy).toEqual({ doNotCall: 0, invalid: 0, cooling: 0, cancelled: 0, withdrawn: 6 });
    const events = await withdrawn(id);
    expect(events).toHaveLength(6);
    const late = events.filter((e) => e.afterCampaign);
    expect(late.map((e) => e.contactId).sort()).toEqual(held.map((c) => c.id).sort());
    for (const e of late) {
      const contact = after.find((x) => x.id === e.contactId)!;
      expect(e).toMatchObject({
        taskId: id,
        phone: contact.phone,
        attempts: contact.attempts,
        callResult: contact.callResult,
        intention: contact.intensionResult,
      });
    }
    const csv = (await h.http().get(`/v1/tasks/${id}/contacts.csv`).set(me).expect(200)).text;
    expect(csv.split('\n').filter((line) => line.includes(',withdrawn,'))).toHaveLength(6);
  });

  it('a held contact its campaign never dials is withdrawn when the campaign closes, no attempt charged', async () => {
    const never = mobiles(2, 6000, '137').map((phone, i) => ({ phone, name: `未拨${i}`, candidateRef: `never-${i}` }));
    const id = await createTask(h, FIRM, 1, {
      contacts: [...never, ...contacts(2, 6000)],
      batchSize: 10,
      maxAttempts: 3,
    });
    await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
    const held = (await list(id)).filter((c) => (c.candidateRef ?? '').startsWith('never-'));
    const res = await withdraw(id, { contactIds: held.map((c) => c.id) }).expect(200);
    expect(bodyOf<Withdrawal>(res).afterCampaign.map((c) => c.contactId)).toEqual(held.map((c) => c.id));
    await syncUntil(h, FIRM, 1, id, 5);
    for (const c of held)
      expect((await list(id)).find((x) => x.id === c.id)).toMatchObject({
        status: 4,
        skipReason: 'withdrawn',
        attempts: 0,
        callResult: 0,
        failReason: null,
        withdrawPending: false,
      });
    expect((await withdrawn(id)).map((e) => [e.contactId, e.afterCampaign, e.callResult])).toEqual(
      held.map((c) => [c.id, true, 0]),
    );
    expect((await stats(id)).skippedBy.withdrawn).toBe(2);
  });

  it('by phone: numbers as added or in E.164, masked in the answer; numbers not in the task are not found', async () => {
    const id = await createTask(h, FIRM, 1, { contacts: contacts(5, 2000) });
    const [a, b] = await list(id);
    const res = await withdraw(id, { phones: ['13900002000', '+8613900002001', '13900009999', 'not a number'] });
    expect(res.status).toBe(200);
    expect(bodyOf<Withdrawal>(res)).toEqual({
      withdrawn: [
        { contactId: a.id, phone: a.phone },
        { contactId: b.id, phone: b.phone },
      ],
      afterCampaign: [],
      notFound: [
        { index: 2, contactId: null, phone: '139****9999' },
        { index: 3, contactId: null, phone: '' },
      ],
    });
    expect(JSON.stringify(bodyOf<Withdrawal>(res))).not.toMatch(/1390000/);
    // Repeated: the same answer, nothing written again.
    const again = await withdraw(id, { phones: ['13900002000', '+8613900002001', '13900009999', 'not a number'] });
    expect(bodyOf<Withdrawal>(again)).toEqual(bodyOf<Withdrawal>(res));
    expect(await withdrawn(id)).toHaveLength(2);
    // The task runs without them.
    await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
    await syncUntil(h, FIRM, 1, id, 5);
    const calls = await callsOf(id);
    expect(calls.has(a.id)).toBe(false);
    expect(calls.has(b.id)).toBe(false);
    expect(await stats(id)).toMatchObject({ total: 5, skipped: 2, done: 3 });
  });

  it('a contact already called and done is withdrawn too, its result kept', async () => {
    // One contact a campaign: the first is done while the task still has the others to call.
    const id = await createTask(h, FIRM, 1, { contacts: contacts(4, 3000), maxAttempts: 1, batchSize: 1 });
    await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
    for (let i = 0; i < 100 && (await stats(id)).done === 0; i++) {
      await sleep(60);
      await h.sync();
    }
    const done = (await list(id)).find((c) => c.status === 3);
    if (!done) throw new Error('no contact done');
    const res = await withdraw(id, { contactIds: [done.id] }).expect(200);
    expect(bodyOf<Withdrawal>(res).withdrawn).toEqual([{ contactId: done.id, phone: done.phone }]);
    const contact = (await list(id)).find((c) => c.id === done.id);
    expect(contact).toMatchObject({
      status: 4,
      skipReason: 'withdrawn',
      callResult: done.callResult,
      intensionResult: done.intensionResult,
      attempts: done.attempts,
      calledAt: done.calledAt,
    });
  });

  it('refuses both lists, neither, empty or oversized ones and bad ids, with nothing written', async () => {
    const id = await createTask(h, FIRM, 1, { contacts: contacts(2, 4000) });
    const before = await list(id);
    const refuse = async (body: object) => {
      const res = await withdraw(id, body).expect(400);
      expect(codeOf(res)).toBe('VALIDATION_FAILED');
    };
    await refuse({ contactIds: [before[0].id], phones: ['13900004000'] });
    await refuse({});
    await refuse({ contactIds: [] });
    await refuse({ phones: [] });
    await refuse({ contactIds: ['abc'] });
    await refuse({ contactIds: Array.from({ length: 1001 }, (_, i) => String(i + 1)) });
    expect(await list(id)).toEqual(before);
    expect(await withdrawn(id)).toEqual([]);
  });

  it('only the owner withdraws, and not from a finished task (409 TASK_FINISHED)', async () => {
    const id = await createTask(h, FIRM, 1, { contacts: contacts(2, 5000) });
    const [c] = await list(id);
    const colleague = await withdraw(id, { contactIds: [c.id] }, asAccount(FIRM, 2)).expect(403);
    expect(codeOf(colleague)).toBe('NOT_TASK_OWNER');
    const stranger = await withdraw(id, { contactIds: [c.id] }, asAccount(OTHER_FIRM, 1)).expect(404);
    expect(codeOf(stranger)).toBe('TASK_NOT_FOUND');
    await h.http().post(`/v1/tasks/${id}/cancel`).set(me).expect(200);
    const finished = await withdraw(id, { contactIds: [c.id] }).expect(409);
    expect(codeOf(finished)).toBe('TASK_FINISHED');
    expect(await withdrawn(id)).toEqual([]);
    expect(await task(id)).toMatchObject({ status: 6 });
  });
});
