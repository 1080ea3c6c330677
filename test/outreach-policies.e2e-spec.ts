import axios from 'axios';
import { DataSource } from 'typeorm';
import { maskPhone, PhoneVault } from '@app/core';
import {
  asAccount,
  asAdmin,
  CALLBACK_SECRET,
  Harness,
  ShiftedClock,
  SIMULATOR_KEY,
  startHarness,
  signedPushHeaders,
} from './support/harness';
import { ALWAYS, contacts, createTask, grantBot, mobiles, syncUntil } from './support/factories';
import { groundTruth } from './support/ground-truth';

/** 2026-11-30 is a Monday; Shanghai is UTC+8 all year. */
const shanghai = (isoLocal: string) => new Date(`${isoLocal}+08:00`);
const OFFICE_HOURS = { start: '09:00', end: '20:00', days: [1, 2, 3, 4, 5], timeZone: 'Asia/Shanghai' };

async function simulatorCampaignStatus(h: Harness, campaignId: string): Promise<number> {
  return (await groundTruth(h.simulator.baseUrl, [campaignId])).campaigns[0].status;
}

describe('call window: nobody is called outside it', () => {
  const FIRM = 7401;
  const me = asAccount(FIRM, 1);
  const clock = new ShiftedClock();
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ clock, simulator: { callMs: 60_000, parallelism: 1 } });
    await grantBot(h, FIRM);
  });

  afterAll(async () => {
    await h.close();
  });

  it('start outside the window opens no campaign; the worker opens it with the window, pauses it when the window closes and resumes it next day', async () => {
    clock.set(shanghai('2026-11-30T08:00:00'));
    const taskId = await createTask(h, FIRM, 1, { callWindow: OFFICE_HOURS, contacts: contacts(5, 100) });
    const started = (await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200)).body;
    // Nobody is called outside the window: the task waits for it, and says so and until when.
    expect(started).toMatchObject({
      status: 4,
      pauseReason: 'outside_window',
      activeCampaign: null,
      callWindow: OFFICE_HOURS,
      waitingFor: 'call_window',
      nextActionAt: shanghai('2026-11-30T09:00:00').toISOString(),
    });
    await h.sync();
    expect((await groundTruth(h.simulator.baseUrl)).campaigns).toHaveLength(0);

    clock.set(shanghai('2026-11-30T09:00:00'));
    await h.sync();
    const running = (await h.http().get(`/v1/tasks/${taskId}`).set(me)).body;
    expect(running).toMatchObject({ status: 3, activeCampaign: { status: 1 } });
    const campaignId = running.activeCampaign.campaignId;

    clock.set(shanghai('2026-11-30T20:00:00'));
    await h.sync();
    expect((await h.http().get(`/v1/tasks/${taskId}`).set(me)).body).toMatchObject({
      status: 4,
      pauseReason: 'outside_window',
      activeCampaign: { status: 2 },
    });
    expect(await simulatorCampaignStatus(h, campaignId)).toBe(2);

    clock.set(shanghai('2026-12-01T10:00:00'));
    await h.sync();
    expect((await h.http().get(`/v1/tasks/${taskId}`).set(me)).body).toMatchObject({
      status: 3,
      pauseReason: null,
      activeCampaign: { status: 1, campaignId },
    });
    expect(await simulatorCampaignStatus(h, campaignId)).toBe(1);
  });

  it('weekends are outside a Monday–Friday window', async () => {
    clock.set(shanghai('2026-12-05T10:00:00')); // Saturday
    const taskId = await createTask(h, FIRM, 1, { callWindow: OFFICE_HOURS, contacts: contacts(3, 200) });
    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
    await h.sync();
    expect((await h.http().get(`/v1/tasks/${taskId}`).set(me)).body).toMatchObject({
      status: 4,
      pauseReason: 'outside_window',
      activeCampaign: null,
      waitingFor: 'call_window',
      nextActionAt: shanghai('2026-12-07T09:00:00').toISOString(),
    });
    expect((await groundTruth(h.simulator.baseUrl)).campaigns.filter((c) => c.contact_count === 3)).toHaveLength(0);
  });

  it("the recruiter's pause wins over the window: a task they paused is not resumed when the window opens", async () => {
    clock.set(shanghai('2026-12-01T10:00:00'));
    const taskId = await createTask(h, FIRM, 1, { callWindow: OFFICE_HOURS, contacts: contacts(3, 300) });
    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
    clock.set(shanghai('2026-12-01T21:00:00'));
    await h.sync();
    expect((await h.http().get(`/v1/tasks/${taskId}`).set(me)).body).toMatchObject({
      status: 4,
      pauseReason: 'outside_window',
    });

    const paused = (await h.http().post(`/v1/tasks/${taskId}/pause`).set(me).expect(200)).body;
    expect(paused).toMatchObject({ status: 4, pauseReason: 'recruiter' });
    clock.set(shanghai('2026-12-02T10:00:00'));
    await h.sync();
    expect((await h.http().get(`/v1/tasks/${taskId}`).set(me)).body).toMatchObject({
      status: 4,
      pauseReason: 'recruiter',
    });

    // Their start resumes it at once, inside the window.
    const resumed = (await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200)).body;
    expect(resumed).toMatchObject({ status: 3, activeCampaign: { status: 1 } });
  });

  it('a malformed window is refused', async () => {
    for (const callWindow of [
      { start: '20:00', end: '09:00' },
      { timeZone: 'Mars/Olympus' },
      { days: [0] },
      { start: '9am' },
    ]) {
      const res = await h.http().post('/v1/tasks').set(me).send({ name: 'n', scriptId: 's', callWindow }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('"inconvenient now" is called once more, in the next day’s window', () => {
  const FIRM = 7402;
  const me = asAccount(FIRM, 1);
  const clock = new ShiftedClock();
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      clock,
      env: { INCONVENIENT_CALLBACK_DAYS: '1' },
      simulator: { connectRate: 1, intentionMix: { 0: 0, 1: 0, 2: 0, 3: 1, 4: 0 } },
    });
    await grantBot(h, FIRM);
  });

  afterAll(async () => {
    await h.close();
  });

  it('waits for the next day, calls back once, then the contact is done', async () => {
    clock.set(shanghai('2026-11-30T10:00:00'));
    const taskId = await createTask(h, FIRM, 1, { callWindow: OFFICE_HOURS, contacts: contacts(4, 100) });
    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
    let waiting: Record<string, unknown>[] = [];
    for (let pass = 0; pass < 100 && !(waiting.length === 4 && waiting.every((c) => c.status === 1)); pass++) {
      await new Promise((r) => setTimeout(r, 25));
      await h.sync();
      waiting = (await h.http().get(`/v1/tasks/${taskId}/contacts`).set(me)).body.items;
    }
    expect(waiting).toHaveLength(4);
    for (const c of waiting) {
      expect(c).toMatchObject({ status: 1, intensionResult: 3, attempts: 1 });
      expect(c.nextAttemptAt).toBe(shanghai('2026-12-01T09:00:00').toISOString());
    }
    await h.sync();
    expect((await groundTruth(h.simulator.baseUrl)).campaigns).toHaveLength(1);

    clock.set(shanghai('2026-12-01T09:30:00'));
    const done = await syncUntil(h, FIRM, 1, taskId, 5);
    expect(done.status).toBe(5);
    const stats = (await h.http().get(`/v1/tasks/${taskId}/stats`).set(me)).body;
    expect(stats).toMatchObject({ total: 4, done: 4, attempts: 8, intentions: { inconvenient: 4 } });
  });
});

describe('no harassment: cooling period and the do-not-call list', () => {
  const FIRM = 7403;
  const me = asAccount(FIRM, 1);
  let h: Harness;

  beforeAll(async () => {
    // Everybody answers and is interested: no number lands on the do-not-call list by what its owner said.
    h = await startHarness({ simulator: { connectRate: 1, intentionMix: { 0: 0, 1: 1, 2: 0, 3: 0, 4: 0 } } });
    await grantBot(h, FIRM);
  });

  afterAll(async () => {
    await h.close();
  });

  it('a number called by one task is skipped as "cooling" by another task of the firm, not by another firm', async () => {
    const first = await createTask(h, FIRM, 1, { contacts: contacts(3, 100) });
    await h.http().post(`/v1/tasks/${first}/start`).set(me).expect(200);
    await syncUntil(h, FIRM, 1, first, 5);

    const again = await h
      .http()
      .post('/v1/tasks')
      .set(me)
      .send({ name: 'again', scriptId: 's', callWindow: ALWAYS, contacts: contacts(4, 100) })
      .expect(201);
    expect(again.body.contacts.added).toBe(1);
    expect(again.body.contacts.skipped.map((s: { reason: string }) => s.reason)).toEqual([
      'cooling',
      'cooling',
      'cooling',
    ]);
    expect(again.body.contacts.skipped[0].phone).toMatch(/\*{4}/);

    await grantBot(h, 7404);
    const otherFirm = await h
      .http()
      .post('/v1/tasks')
      .set(asAccount(7404, 1))
      .send({ name: 'x', scriptId: 's', contacts: contacts(3, 100) })
      .expect(201);
    expect(otherFirm.body.contacts).toMatchObject({ added: 3, skipped: [] });

    const stats = (await h.http().get(`/v1/tasks/${again.body.task.id}/stats`).set(me)).body;
    expect(stats).toMatchObject({ total: 4, waiting: 1, skipped: 3 });
  });

  it('the do-not-call list: firm and operations routes, numbers masked, never called, removable', async () => {
    const [a, b] = mobiles(2, 500);
    await h
      .http()
      .post('/v1/do-not-call')
      .set(me)
      .send({ phones: [a, `+86 ${b}`], reason: 'opted_out' })
      .expect(201);
    const listed = (await h.http().get('/v1/do-not-call').set(me).expect(200)).body;
    expect(listed.total).toBe(2);
    // Oldest entry first; both were added by one request, so their order between them is not defined.
    expect(listed.items.map((i: { phone: string }) => i.phone).sort()).toEqual(
      [`+86${a.slice(0, 3)}****${a.slice(-4)}`, `+86${b.slice(0, 3)}****${b.slice(-4)}`].sort(),
    );
    expect(listed.items[0].reason).toBe('opted_out');
    expect((await h.http().get(`/v1/admin/firms/${FIRM}/do-not-call`).set(asAdmin()).expect(200)).body.total).toBe(2);
    expect((await h.http().get('/v1/do-not-call').set(asAccount(7404, 1)).expect(200)).body.total).toBe(0);

    const created = await h
      .http()
      .post('/v1/tasks')
      .set(me)
      .send({ name: 'dnc', scriptId: 's', callWindow: ALWAYS, contacts: [{ phone: a }, { phone: b }] })
      .expect(201);
    expect(created.body.contacts.skipped.map((s: { reason: string }) => s.reason)).toEqual([
      'do_not_call',
      'do_not_call',
    ]);

    await h
      .http()
      .post(`/v1/admin/firms/${FIRM}/do-not-call/remove`)
      .set(asAdmin())
      .send({ phones: [a] })
      .expect(200);
    const after = await h
      .http()
      .post('/v1/tasks')
      .set(me)
      .send({ name: 'dnc2', scriptId: 's', callWindow: ALWAYS, contacts: [{ phone: a }, { phone: b }] })
      .expect(201);
    expect(after.body.contacts).toMatchObject({ added: 1, skipped: [{ reason: 'do_not_call' }] });

    const bad = await h
      .http()
      .post('/v1/do-not-call')
      .set(me)
      .send({ phones: ['12345'] })
      .expect(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
  });

  it('a number put on the list after it was added is skipped when the campaign is prepared', async () => {
    const [late] = mobiles(1, 600);
    const taskId = await createTask(h, FIRM, 1, { contacts: [...contacts(2, 610), { phone: late }] });
    await h
      .http()
      .post('/v1/do-not-call')
      .set(me)
      .send({ phones: [late] })
      .expect(201);
    const started = (await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200)).body;
    expect(started.activeCampaign.contactCount).toBe(2);
    const skipped = (await h.http().get(`/v1/tasks/${taskId}/contacts?status=4`).set(me)).body.items;
    expect(skipped).toEqual([expect.objectContaining({ skipReason: 'do_not_call' })]);
  });
});

describe('what candidates say has firm-wide consequences', () => {
  const FIRM = 7407;
  const me = asAccount(FIRM, 1);
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      simulator: { connectRate: 1, seed: 3, intentionMix: { 0: 0, 1: 0.4, 2: 0.3, 3: 0, 4: 0.3 } },
    });
    await grantBot(h, FIRM);
  });

  afterAll(async () => {
    await h.close();
  });

  it('"not considering" puts the number on the do-not-call list; a wrong number becomes invalid for the firm', async () => {
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(40, 700), batchSize: 40 });
    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
    await syncUntil(h, FIRM, 1, taskId, 5);
    const ds = h.api.get(DataSource);
    const vault = h.api.get(PhoneVault);
    const said = async (intention: number) =>
      (
        (await ds.query(
          'SELECT phone_enc AS enc, phone_key_id AS keyId FROM ai_visitor_list WHERE task_id = ? AND intension_result = ?',
          [taskId, intention],
        )) as { enc: string; keyId: string }[]
      ).map((r) => vault.open(r));
    const notConsidering = await said(2);
    const wrong = await said(4);
    expect(notConsidering.length).toBeGreaterThan(0);
    expect(wrong.length).toBeGreaterThan(0);

    const dnc = (await h.http().get('/v1/do-not-call?pageSize=500').set(me)).body;
    // The registry reuses the contact's sealed number as stored: the list opens to exactly those numbers.
    const listed = dnc.items
      .filter((i: { reason: string }) => i.reason === 'not_considering')
      .map((i: { phone: string }) => i.phone);
    expect(listed.sort()).toEqual(notConsidering.map(maskPhone).sort());

    await grantBot(h, FIRM, { botTaskNum: 100 });
    const retry = await h
      .http()
      .post('/v1/tasks')
      .set(asAccount(FIRM, 2))
      .send({
        name: 'later',
        scriptId: 's',
        callWindow: ALWAYS,
        contacts: [...notConsidering, ...wrong].map((phone) => ({ phone })),
      })
      .expect(201);
    const reasons = retry.body.contacts.skipped.map((s: { reason: string }) => s.reason);
    expect(reasons.filter((r: string) => r === 'do_not_call')).toHaveLength(notConsidering.length);
    expect(reasons.filter((r: string) => r === 'invalid')).toHaveLength(wrong.length);
  });
});

describe('results pushed by the platform', () => {
  const FIRM = 7405;
  const me = asAccount(FIRM, 1);
  let h: Harness;
  let callbackUrl: string;

  beforeAll(async () => {
    // No "inconvenient now" here: a callback would need the sync to open its campaign.
    h = await startHarness({ simulator: { callMs: 5, intentionMix: { 0: 0.2, 1: 0.4, 2: 0.4, 3: 0, 4: 0 } } });
    await h.api.listen(0, '127.0.0.1');
    callbackUrl = `${await h.api.getUrl()}/v1/callbacks/robot-call`.replace('[::1]', '127.0.0.1');
    await grantBot(h, FIRM);
  });

  afterAll(async () => {
    await h.close();
  });

  it('pushed records are stored through the same idempotent path as the sync, with no sync pass at all', async () => {
    await axios.put(
      `${h.simulator.baseUrl}/_simulator/push`,
      { url: callbackUrl, secret: CALLBACK_SECRET },
      { headers: { Authorization: `Bearer ${SIMULATOR_KEY}` } },
    );
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(20, 100), maxAttempts: 1 });
    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
    let stats: Record<string, number> = {};
    for (let i = 0; i < 100 && stats.done !== 20; i++) {
      await new Promise((r) => setTimeout(r, 50));
      stats = (await h.http().get(`/v1/tasks/${taskId}/stats`).set(me)).body;
    }
    expect(stats.done).toBe(20);
    const ds = h.api.get(DataSource);
    const count = async () =>
      Number((await ds.query('SELECT COUNT(*) AS n FROM ai_visitor_call_record WHERE task_id = ?', [taskId]))[0].n);
    expect(await count()).toBe(20);
    // The push that gave the campaign's last contact its result moved the task on at once (CampaignEndFollower):
    // the campaign closed and the task completed, with no sync pass.
    const task = async () => (await ds.query('SELECT status FROM ai_visitor_task WHERE id = ?', [taskId]))[0];
    for (let i = 0; i < 100 && Number((await task()).status) !== 5; i++) await new Promise((r) => setTimeout(r, 50));
    expect(Number((await task()).status)).toBe(5);
    // A pass afterwards (polling, the safety net) finds nothing to store twice.
    await h.sync();
    expect(await count()).toBe(20);
    await axios.put(
      `${h.simulator.baseUrl}/_simulator/push`,
      { url: '' },
      { headers: { Authorization: `Bearer ${SIMULATOR_KEY}` } },
    );
  });

  it('refuses a wrong signature, a stale timestamp and an unknown campaign; a replayed push stores nothing', async () => {
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(1, 900) });
    const campaignId = (await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200)).body.activeCampaign
      .campaignId;
    const body = JSON.stringify({
      campaign_id: campaignId,
      records: [
        {
          record_id: 'rec_pushed_1',
          ref: '999999',
          call_result: 1,
          fail_reason: null,
          intention: 1,
          duration_sec: 10,
          called_at: new Date().toISOString(),
        },
      ],
    });
    const post = (headers: Record<string, string>, payload = body) =>
      h.http().post('/v1/callbacks/robot-call').set(headers).send(payload);

    expect(
      (await post({ ...signedPushHeaders(body), 'X-Robot-Signature': `sha256=${'0'.repeat(64)}` }).expect(401)).body
        .code,
    ).toBe('CALLBACK_SIGNATURE_INVALID');
    expect((await post(signedPushHeaders(body, Math.floor(Date.now() / 1000) - 600)).expect(401)).body.code).toBe(
      'CALLBACK_SIGNATURE_INVALID',
    );
    expect((await post({ 'Content-Type': 'application/json' }).expect(401)).body.code).toBe(
      'CALLBACK_SIGNATURE_INVALID',
    );
    const tampered = body.replace('"intention":1', '"intention":2');
    expect((await post(signedPushHeaders(body), tampered).expect(401)).body.code).toBe('CALLBACK_SIGNATURE_INVALID');

    const unknown = body.replace(campaignId, 'cmp_nobody');
    expect((await post(signedPushHeaders(unknown), unknown).expect(404)).body.code).toBe('CAMPAIGN_NOT_FOUND');

    const first = (await post(signedPushHeaders(body)).expect(200)).body;
    const replay = (await post(signedPushHeaders(body)).expect(200)).body;
    expect(first).toEqual({ received: 1, stored: 0 }); // ref 999999 is not this task's contact: never trusted
    expect(replay).toEqual({ received: 1, stored: 0 });

    const invalid = JSON.stringify({ campaign_id: campaignId, records: [{ record_id: 'x' }] });
    expect((await post(signedPushHeaders(invalid), invalid).expect(400)).body.code).toBe('VALIDATION_FAILED');
  });
});

describe('export of results as CSV', () => {
  const FIRM = 7406;
  const me = asAccount(FIRM, 1);
  let h: Harness;
  let taskId: string;

  beforeAll(async () => {
    h = await startHarness({ simulator: { connectRate: 0.8, seed: 5 } });
    await grantBot(h, FIRM);
    taskId = await createTask(h, FIRM, 1, { contacts: contacts(30, 100), maxAttempts: 1 });
    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
    await syncUntil(h, FIRM, 1, taskId, 5);
  });

  afterAll(async () => {
    await h.close();
  });

  const csv = async (query = '') => {
    const res = await h
      .http()
      .get(`/v1/tasks/${taskId}/contacts.csv${query}`)
      .set(me)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    return { res, text: (res.body as Buffer).toString('utf8') };
  };

  it('streams UTF-8 with a BOM, a header and one row per contact with full numbers and Chinese names', async () => {
    const { res, text } = await csv();
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toContain(`task-${taskId}-contacts.csv`);
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const lines = text.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'candidate_ref,name,phone,status,skip_reason,attempts,call_result,fail_reason,intention,duration_sec,called_at,last_summary',
    );
    expect(lines).toHaveLength(31);
    expect(lines[1]).toMatch(/^cand-100,候选人100,\+86139000001\d\d,已完成 done,/);
  });

  it('filters by call result and intention, like the contact list', async () => {
    const stats = (await h.http().get(`/v1/tasks/${taskId}/stats`).set(me)).body;
    const interested = (await csv('?intention=1')).text.slice(1).trimEnd().split('\r\n');
    expect(interested).toHaveLength(1 + stats.intentions.interested);
    const failed = (await csv('?callResult=2')).text.slice(1).trimEnd().split('\r\n');
    expect(failed).toHaveLength(1 + stats.failed);
  });

  it('filters by contact status too, like the contact list', async () => {
    const list = (await h.http().get(`/v1/tasks/${taskId}/contacts?status=3&pageSize=500`).set(me).expect(200)).body;
    expect(list.total).toBe(30);
    expect((await csv('?status=3')).text.slice(1).trimEnd().split('\r\n')).toHaveLength(1 + 30);
    // Nobody waits: the header alone.
    expect((await csv('?status=1')).text.slice(1).trimEnd().split('\r\n')).toHaveLength(1);
  });

  it.each(['page=1', 'pageSize=500', 'page=2&pageSize=10'])('refuses ?%s: an export is never paged', async (query) => {
    const res = await h.http().get(`/v1/tasks/${taskId}/contacts.csv?${query}`).set(me).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  it('another account of the firm may not export it', async () => {
    expect((await h.http().get(`/v1/tasks/${taskId}/contacts.csv`).set(asAccount(FIRM, 2)).expect(403)).body.code).toBe(
      'NOT_TASK_OWNER',
    );
  });
});
