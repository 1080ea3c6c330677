import { DataSource } from 'typeorm';
import { EventView, ListEvents } from '@app/events';
import { asAccount, asAdmin, Harness, startHarness } from './support/harness';
import { contacts, createTask, grantBot, syncUntil } from './support/factories';
import { groundTruth } from './support/ground-truth';
import { startWebhookReceiver, WebhookReceiver } from './support/webhook-receiver';
import { bodyOf } from './support/api-types';

const FIRM = 8801;
const OTHER_FIRM = 8802;
const me = asAccount(FIRM, 1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The personal fields of a `contact.called` payload: null once erased. */
const PERSONAL = ['candidateRef', 'name', 'phone', 'recordingUrl', 'transcript', 'summary'];

type Json = Record<string, unknown>;
/** A contact as the list shows it (the fields these tests read). */
interface ListedContact extends Json {
  id: string;
  name: string | null;
  candidateRef: string | null;
  erased: boolean;
  status: number;
}

/**
 * A candidate's erasure (POST /v1/admin/firms/:firmId/erasure) end to end: across the firm's tasks, one of them
 * running; the events carrying the candidate redacted in place (sequences kept), a webhook delivery still pending
 * sent redacted (full-number endpoint included), the number never dialled again, the statistics unchanged, the
 * list, CSV and call history showing the contact as erased.
 */
describe('candidate erasure', () => {
  let h: Harness;
  let ds: DataSource;
  let hook: WebhookReceiver;
  let hookId: string;

  beforeAll(async () => {
    // Every call connects and carries its conversation; every candidate is interested (two events per call).
    h = await startHarness({
      simulator: { callMs: 5, connectRate: 1, conversationRate: 1, intentionMix: { 0: 0, 1: 1, 2: 0, 3: 0, 4: 0 } },
      env: { WEBHOOK_TIMEOUT_MS: '500', WEBHOOK_RETRY_BASE_MS: '10' },
    });
    ds = h.api.get(DataSource);
    await grantBot(h, FIRM);
    await grantBot(h, OTHER_FIRM);
    // A full-number endpoint that fails every delivery until told otherwise: its deliveries stay pending.
    hook = await startWebhookReceiver({ failRate: 1 });
    const registered = await h
      .http()
      .post('/v1/admin/webhooks')
      .set(asAdmin())
      .send({ url: hook.url, firmId: String(FIRM), eventTypes: ['contact.called'], fullPhones: true })
      .expect(201);
    ({ secret: hook.secret, id: hookId } = bodyOf<{ secret: string; id: string }>(registered));
  });

  afterAll(async () => {
    await hook.close();
    await h.close();
  });

  const erase = (phones: string[], firmId = FIRM) =>
    h.http().post(`/v1/admin/firms/${firmId}/erasure`).set(asAdmin()).send({ phones });

  async function eventsOf(taskId: string, firmId = FIRM): Promise<EventView[]> {
    return (await h.api.get(ListEvents).execute({ firmId: String(firmId), taskId, limit: 1000 })).items;
  }

  async function contactsOf(taskId: string, who = me): Promise<ListedContact[]> {
    const res = await h.http().get(`/v1/tasks/${taskId}/contacts?pageSize=100`).set(who).expect(200);
    return bodyOf<{ items: ListedContact[] }>(res).items;
  }

  const stats = async (taskId: string, who = me) =>
    bodyOf<{ intentions: Record<string, number> }>(
      await h.http().get(`/v1/tasks/${taskId}/stats`).set(who).expect(200),
    );

  const calls = async (taskId: string, contactId: string) =>
    bodyOf<{ erased: boolean; items: Json[] }>(
      await h.http().get(`/v1/tasks/${taskId}/contacts/${contactId}/calls`).set(me).expect(200),
    );

  async function count(sql: string, params: unknown[] = []): Promise<number> {
    const [row]: { n: number | string }[] = await ds.query(sql, params);
    return Number(row.n);
  }

  it('refuses a bad number, or too many, with VALIDATION_FAILED and writes nothing', async () => {
    const list = contacts(2, 500);
    const taskId = await createTask(h, FIRM, 1, { contacts: list });
    const bad = bodyOf<Json>(await erase([list[0].phone, '12345']).expect(400));
    expect(bad.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(bad)).not.toContain(list[0].phone);
    expect(bad.details).toEqual([{ field: 'phones.1', errors: [expect.stringContaining('phones.1')] }]);
    expect((await erase(Array.from({ length: 101 }, (_, i) => `1390000${String(i).padStart(4, '0')}`))).status).toBe(
      400,
    );
    expect((await erase([])).status).toBe(400);
    const after = await contactsOf(taskId);
    expect(after.map((c) => [c.name, c.erased])).toEqual(list.map((c) => [c.name, false]));
    expect(await count("SELECT COUNT(*) AS n FROM ai_visitor_event WHERE type = 'candidate.erased'")).toBe(0);
    // Operations only.
    expect(
      (
        await h
          .http()
          .post(`/v1/admin/firms/${FIRM}/erasure`)
          .set(me)
          .send({ phones: [list[0].phone] })
      ).status,
    ).toBe(401);
  });

  it('erases a number in every task of the firm, one of them running, and it is never called again', async () => {
    const erased = contacts(1, 700)[0];
    const kept = contacts(3, 710);
    // Task B: created first (the number is not cooling yet), one contact per campaign, the candidate last: still
    // waiting when erased, while B runs.
    const taskB = await createTask(h, FIRM, 1, {
      contacts: [...contacts(2, 720), erased],
      maxAttempts: 1,
      batchSize: 1,
    });
    // Task A: finished, the candidate called and interested, events with the conversation.
    const taskA = await createTask(h, FIRM, 1, { contacts: [erased, ...kept], maxAttempts: 1 });
    await h.http().post(`/v1/tasks/${taskA}/start`).set(me).expect(200);
    await syncUntil(h, FIRM, 1, taskA, 5);
    await h.http().post(`/v1/tasks/${taskB}/start`).set(me).expect(200);
    // Another firm's contact with the same number is not touched.
    const otherTask = await createTask(h, OTHER_FIRM, 1, { contacts: [erased] });

    // Events positioned; the full-number endpoint's deliveries fail and stay pending.
    for (let i = 0; i < 5; i++) await h.relay();
    const pending = 'SELECT COUNT(*) AS n FROM ai_visitor_webhook_delivery WHERE webhook_id = ? AND status = 0';
    expect(await count(pending, [hookId])).toBeGreaterThan(0);

    const eventsBefore = await eventsOf(taskA);
    const statsBefore = await stats(taskA);
    const contactA = (await contactsOf(taskA)).find((c) => c.name === erased.name)!;
    const calledOfA = eventsBefore.filter((e) => e.data.contactId === contactA.id);
    expect(calledOfA.map((e) => e.type).sort()).toEqual(['candidate.interested', 'contact.called']);
    expect(calledOfA[0].data.transcript).toEqual(expect.any(String));
    expect(typeof (await calls(taskA, contactA.id)).items[0].transcript).toBe('string');

    const answer = bodyOf<{ tasks: Json[] }>(
      await erase([`+86 ${erased.phone.slice(0, 3)} ${erased.phone.slice(3)}`]).expect(200),
    );
    expect(answer).toMatchObject({ numbers: 1, found: 1, contacts: 2, doNotCall: 1, events: 2, conversations: 1 });
    expect(answer.tasks).toEqual([
      { taskId: taskB, contacts: 1, conversations: 0, events: 0 },
      { taskId: taskA, contacts: 1, conversations: 1, events: 2 },
    ]);
    expect(JSON.stringify(answer)).not.toContain(erased.phone.slice(-4));

    // Task A: the events redacted in place, same ids, types, sequences and positions; the others untouched.
    const eventsAfter = await eventsOf(taskA);
    expect(eventsAfter.map((e) => [e.id, e.type, e.sequence, e.position])).toEqual(
      eventsBefore.map((e) => [e.id, e.type, e.sequence, e.position]),
    );
    for (const [i, e] of eventsAfter.entries()) {
      if (e.data.contactId !== contactA.id) {
        expect(e).toEqual(eventsBefore[i]);
        continue;
      }
      expect(Object.keys(e.data).sort()).toEqual([...Object.keys(eventsBefore[i].data), 'erased'].sort());
      for (const field of PERSONAL) expect(e.data[field]).toBeNull();
      expect(e.data).toMatchObject({ erased: true, contactId: contactA.id, callResult: 1, intention: 1 });
    }
    // Statistics unchanged; the list, the call history and the CSV show the contact as erased.
    expect(await stats(taskA)).toEqual(statsBefore);
    const listed = (await contactsOf(taskA)).find((c) => c.id === contactA.id)!;
    expect(listed).toMatchObject({ erased: true, name: null, candidateRef: null, phone: null, callResult: 1 });
    expect((await contactsOf(taskA)).filter((c) => c.erased)).toHaveLength(1);
    const history = await calls(taskA, contactA.id);
    expect(history.erased).toBe(true);
    expect(history.items).toHaveLength(1);
    expect(history.items[0]).toMatchObject({ callResult: 1, summary: null, transcript: null, recordingUrl: null });
    const csv = (await h.http().get(`/v1/tasks/${taskA}/contacts.csv`).set(me).expect(200)).text;
    expect(csv).toContain('已删除 erased');
    expect(csv).not.toContain(erased.phone);
    expect(csv).not.toContain(erased.name);

    // Pending deliveries go out redacted, to the full-number endpoint too (no number to give).
    hook.options.failRate = 0;
    for (let i = 0; i < 200; i++) {
      await h.relay();
      if ((await count(pending, [hookId])) === 0) break;
      await sleep(20);
    }
    const delivered = hook.accepted().filter((r) => r.event.data.contactId === contactA.id);
    expect(delivered.length).toBeGreaterThan(0);
    for (const r of delivered) {
      expect(r.event.data).toMatchObject({ erased: true, phone: null, name: null, transcript: null });
      expect(r.rawBody).not.toContain(erased.phone.slice(-4));
    }

    // Task B runs to its end without dialling the number; the contact is skipped (do_not_call), erased.
    await syncUntil(h, FIRM, 1, taskB, 5);
    const truth = await groundTruth(h.simulator.baseUrl);
    expect(truth.dialsByPhone[`+86${erased.phone}`]).toBe(1); // task A's call, before the erasure
    const inB = (await contactsOf(taskB)).find((c) => c.erased)!;
    expect(inB).toMatchObject({ status: 4, skipReason: 'do_not_call', attempts: 0, phone: null, name: null });
    // A later task of the firm never calls it either: the keyed hash is a do-not-call entry.
    const taskC = await createTask(h, FIRM, 1, { contacts: [erased, ...contacts(1, 730)] });
    const created = await contactsOf(taskC);
    expect(created.find((c) => c.candidateRef === erased.candidateRef)).toMatchObject({
      status: 4,
      skipReason: 'do_not_call',
    });
    const dnc = bodyOf<{ items: Json[] }>(
      await h.http().get(`/v1/admin/firms/${FIRM}/do-not-call`).set(asAdmin()).expect(200),
    ).items;
    const entry = dnc.find((e) => e.erased === true);
    expect(entry).toMatchObject({ phone: null, erased: true, reason: 'erased' });
    expect(typeof entry?.since).toBe('string');

    // No event or answer after the erasure carries the number, the name or the reference.
    const firmEvents = (await h.api.get(ListEvents).execute({ firmId: String(FIRM), limit: 1000 })).items;
    const erasedEvent = firmEvents.find((e) => e.type === 'candidate.erased')!;
    expect(erasedEvent).toMatchObject({ taskId: null, sequence: null, firmId: String(FIRM) });
    expect(erasedEvent.data).toEqual({
      firmId: String(FIRM),
      contacts: 2,
      tasks: [
        { taskId: taskB, contactIds: [inB.id] },
        { taskId: taskA, contactIds: [contactA.id] },
      ],
    });
    const text = JSON.stringify(firmEvents);
    expect(text).not.toContain(erased.phone.slice(3));
    expect(text).not.toContain(erased.name);
    expect(text).not.toContain(`"${erased.candidateRef}"`);
    // Events of B stay gapless.
    const sequencesB = (await eventsOf(taskB)).map((e) => e.sequence);
    expect(sequencesB).toEqual(sequencesB.map((_, i) => i + 1));

    // The other firm's contact keeps its data.
    const other = (await contactsOf(otherTask, asAccount(OTHER_FIRM, 1)))[0];
    expect(other).toMatchObject({ erased: false, name: erased.name });
    expect(String(other.phone)).toMatch(/\*{4}/);
  });

  it('a call in progress on the platform at the erasure is stored as a result, its event erased, its conversation not kept', async () => {
    const target = contacts(1, 800)[0];
    const taskId = await createTask(h, FIRM, 1, { contacts: [target], maxAttempts: 1 });
    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
    // The contact is in the campaign on the platform: the erasure cannot stop that call.
    const [contact] = await contactsOf(taskId);
    expect(contact.status).toBe(2);
    await erase([target.phone]).expect(200);
    await syncUntil(h, FIRM, 1, taskId, 5);
    const [after] = await contactsOf(taskId);
    expect(after).toMatchObject({ erased: true, name: null, phone: null, callResult: 1, intensionResult: 1 });
    for (let i = 0; i < 3; i++) await h.relay();
    const events = (await eventsOf(taskId)).filter((e) => e.data.contactId === contact.id);
    expect(events.map((e) => e.type).sort()).toEqual(['candidate.interested', 'contact.called']);
    for (const e of events) {
      for (const field of PERSONAL) expect(e.data[field]).toBeNull();
      expect(e.data.erased).toBe(true);
    }
    expect(await count('SELECT COUNT(*) AS n FROM call_conversation WHERE contact_id = ?', [contact.id])).toBe(0);
    expect((await stats(taskId)).intentions.interested).toBe(1);
  });

  it('an erased candidate stays erased when withdrawn (before or after the erasure), and a follow-up never copies them', async () => {
    const [a, b, c] = contacts(3, 900);
    const taskId = await createTask(h, FIRM, 1, { contacts: [a, b, c] });
    const [ca, cb, cc] = await contactsOf(taskId);
    // b withdrawn before the erasure: its contact.withdrawn names it, and the erasure must redact that event too.
    await h
      .http()
      .post(`/v1/tasks/${taskId}/contacts/withdraw`)
      .set(me)
      .send({ contactIds: [cb.id] })
      .expect(200);
    const erasedAnswer = bodyOf<{ events: number }>(await erase([a.phone, b.phone]).expect(200));
    expect(erasedAnswer.events).toBeGreaterThanOrEqual(1);
    // a withdrawn after the erasure: answered without a number (nothing is left to mask), not a 500.
    const withdrawn = bodyOf<{ withdrawn: { contactId: string; phone: string | null }[] }>(
      await h
        .http()
        .post(`/v1/tasks/${taskId}/contacts/withdraw`)
        .set(me)
        .send({ contactIds: [ca.id] })
        .expect(200),
    );
    expect(withdrawn.withdrawn).toEqual([{ contactId: ca.id, phone: null }]);
    const events = (await eventsOf(taskId)).filter((e) => [ca.id, cb.id].includes(String(e.data.contactId)));
    expect(events.length).toBeGreaterThanOrEqual(1);
    for (const e of events) {
      expect(e.data).toMatchObject({ candidateRef: null, phone: null, erased: true });
      expect(JSON.stringify(e.data)).not.toContain(a.candidateRef);
      expect(JSON.stringify(e.data)).not.toContain(b.candidateRef);
    }
    // A follow-up of every contact never called copies only c: the erased pair is gone.
    await h.http().post(`/v1/tasks/${taskId}/cancel`).set(me).expect(200);
    const made = bodyOf<{
      task: { id: string };
      contacts: { added: number; skipped: { sourceContactId: string }[] };
    }>(
      await h
        .http()
        .post(`/v1/tasks/${taskId}/follow-up`)
        .set(me)
        .send({ filter: { callResult: [0] } })
        .expect(201),
    );
    expect(made.contacts.added + made.contacts.skipped.length).toBe(1);
    expect(made.contacts.skipped.map((x) => x.sourceContactId)).not.toContain(ca.id);
    const copied = await contactsOf(made.task.id);
    expect(copied.map((x) => x.candidateRef)).toEqual([cc.candidateRef]);
  });
});
