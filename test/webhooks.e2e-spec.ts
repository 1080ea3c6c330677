import { randomBytes } from 'crypto';
import { DataSource } from 'typeorm';
import { PhoneVault } from '@app/core';
import { EventOutbox, NewEvent } from '@app/events';
import { TransactionRunner } from '@app/database';
import { asAccount, asAdmin, Harness, ShiftedClock, startHarness } from './support/harness';
import { contacts, createTask, grantBot } from './support/factories';
import {
  ReceivedDelivery,
  startWebhookReceiver,
  verifySignature,
  verifyStandard,
  WebhookReceiver,
} from './support/webhook-receiver';
import { sample } from './operations/ops-stack';
import { spawnWorker } from './support/worker-child';
import { dbFingerprint } from './support/db-fingerprint';
import { ApiError, bodyOf, RegisteredWebhookResponse, typed, WebhookResponse } from './support/api-types';
import { DbRow, DbValue } from './support/db-rows';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Webhooks end to end: registered through the API, delivered by the worker's relay to real HTTP receivers
 * (test/support/webhook-receiver.ts), signed, retried, in per-task order, disabled after a day of failures.
 * Short timeouts and backoff come from configuration; the day (and a secret rotation's overlap) passes on a shifted
 * clock.
 */
describe('webhooks', () => {
  const clock = new ShiftedClock();
  let h: Harness;
  let ds: DataSource;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    h = await startHarness({
      clock,
      simulator: { callMs: 2, parallelism: 50 },
      env: {
        WEBHOOK_TIMEOUT_MS: '300',
        WEBHOOK_RETRY_BASE_MS: '20',
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1,localhost,*.allowed.test',
        // Not the default (24): the rotation's overlap is read from it.
        WEBHOOK_SECRET_OVERLAP_HOURS: '2',
      },
    });
    ds = h.api.get(DataSource);
  });

  afterAll(async () => {
    for (const r of receivers) await r.close();
    await h.close();
  });

  async function receiver(options: Parameters<typeof startWebhookReceiver>[0] = {}): Promise<WebhookReceiver> {
    const r = await startWebhookReceiver(options);
    receivers.push(r);
    return r;
  }

  async function register(body: Record<string, unknown>, r?: WebhookReceiver): Promise<RegisteredWebhookResponse> {
    const res = typed<RegisteredWebhookResponse>(
      await h.http().post('/v1/admin/webhooks').set(asAdmin()).send(body).expect(201),
    );
    if (r) r.secret = res.body.secret;
    return res.body;
  }

  /** Relay rounds until the endpoints have nothing pending (or the time runs out). */
  async function relayUntilDelivered(webhookIds: string[], maxMs = 30_000): Promise<void> {
    const deadline = Date.now() + maxMs;
    const marks = webhookIds.map(() => '?').join(', ');
    for (;;) {
      await h.relay();
      const [{ n }] = await ds.query<{ n: number | string }[]>(
        `SELECT COUNT(*) AS n FROM ai_visitor_webhook_delivery WHERE status = 0 AND webhook_id IN (${marks})`,
        webhookIds,
      );
      const [{ e }] = await ds.query<{ e: DbValue }[]>(
        'SELECT COUNT(*) AS e FROM ai_visitor_event WHERE position IS NULL',
      );
      const [{ c }] = await ds.query<{ c: DbValue }[]>(
        "SELECT COUNT(*) AS c FROM ai_visitor_event WHERE position > (SELECT position FROM ai_visitor_event_cursor WHERE name = 'fanout')",
      );
      if (Number(n) === 0 && Number(e) === 0 && Number(c) === 0) return;
      if (Date.now() > deadline) throw new Error(`${n} deliveries still pending after ${maxMs} ms`);
      await sleep(10);
    }
  }

  /** A task started, paused and cancelled: task.started, task.paused, task.cancelled (sequences 1-3). */
  let numbers = 990_000;
  async function threeEventTask(firm: number): Promise<string> {
    const me = asAccount(firm, 1);
    const id = await createTask(h, firm, 1, { contacts: contacts(2, (numbers += 10)) });
    await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
    await h.http().post(`/v1/tasks/${id}/pause`).set(me).expect(200);
    await h.http().post(`/v1/tasks/${id}/cancel`).set(me).expect(200);
    return id;
  }

  async function eventsOfFirm(
    firm: number,
  ): Promise<{ event_id: string; type: string; task_id: string | number | null; sequence: number }[]> {
    const rows = await ds.query<
      { id: string | number; type: string; task_id: string | number | null; sequence: number }[]
    >('SELECT id, type, task_id, sequence FROM ai_visitor_event WHERE firm_id = ? ORDER BY id', [firm]);
    return rows.map((e) => ({ ...e, event_id: `evt_${e.id}` }));
  }

  const firstAcceptance = (received: ReceivedDelivery[]) => {
    const seen = new Set<string>();
    return received.filter((r) => (seen.has(r.eventId) ? false : (seen.add(r.eventId), true)));
  };

  describe('registration', () => {
    it.each([
      ['ftp://127.0.0.1/hooks', 'scheme'],
      ['http://user:secret@127.0.0.1/hooks', 'credentials'],
      ['https://evil.example.com/hooks', 'host'],
      ['https://allowed.test/hooks', 'host'],
      ['http://169.254.169.254/latest/meta-data', 'host'],
      ['not a url', 'malformed'],
    ])('refuses %s (%s) with WEBHOOK_URL_NOT_ALLOWED and writes nothing', async (url, reason) => {
      const before = await dbFingerprint(h);
      const res = typed<ApiError>(await h.http().post('/v1/admin/webhooks').set(asAdmin()).send({ url }));
      expect({ status: res.status, code: res.body.code, details: res.body.details }).toEqual({
        status: 400,
        code: 'WEBHOOK_URL_NOT_ALLOWED',
        details: { reason },
      });
      expect(await dbFingerprint(h)).toEqual(before);
    });

    it('accepts a subdomain of an allowed *.domain, and refuses bad fields with VALIDATION_FAILED', async () => {
      const ok = await register({
        url: 'https://hooks.allowed.test/x',
        firmId: '9001',
        eventTypes: ['task.completed'],
        enabled: false,
      });
      expect(ok).toMatchObject({
        url: 'https://hooks.allowed.test/x',
        firmId: '9001',
        eventTypes: ['task.completed'],
        enabled: false,
        disabledReason: 'disabled by operations',
      });
      for (const body of [
        { url: 'http://127.0.0.1/x', eventTypes: ['no.such'] },
        { url: 'http://127.0.0.1/x', firmId: 'abc' },
        { url: 'http://127.0.0.1/x', secret: 'mine' },
      ]) {
        const res = typed<ApiError>(await h.http().post('/v1/admin/webhooks').set(asAdmin()).send(body));
        expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
      }
      await h.http().delete(`/v1/admin/webhooks/${ok.id}`).set(asAdmin()).expect(204);
    });

    it('is for operations only', async () => {
      await h.http().post('/v1/admin/webhooks').set(asAccount(1, 1)).send({ url: 'http://127.0.0.1/x' }).expect(401);
      await h.http().get('/v1/admin/webhooks').expect(401);
      await h.http().post('/v1/admin/webhooks/1/rotate-secret').set(asAccount(1, 1)).expect(401);
    });

    it('answers the secret once, stores it sealed; CRUD; re-enabling clears the failure streak', async () => {
      const created = await register({ url: 'http://127.0.0.1:9/a', firmId: '9002' });
      // The Standard Webhooks form: whsec_ and 32 random bytes, base64.
      expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(created).toMatchObject({
        firmId: '9002',
        eventTypes: null,
        fullPhones: false,
        enabled: true,
        disabledReason: null,
        pendingDeliveries: 0,
      });
      const [row] = await ds.query<DbRow[]>('SELECT secret_enc, secret_key_id FROM ai_visitor_webhook WHERE id = ?', [
        created.id,
      ]);
      expect(JSON.stringify(row)).not.toContain(created.secret.slice(6));

      const one = bodyOf<WebhookResponse>(
        await h.http().get(`/v1/admin/webhooks/${created.id}`).set(asAdmin()).expect(200),
      );
      expect(one).not.toHaveProperty('secret');
      const { secret: _secret, ...view } = created;
      expect(one).toEqual(view);
      expect(one.previousSecretExpiresAt).toBeNull();
      const all = bodyOf<WebhookResponse[]>(await h.http().get('/v1/admin/webhooks').set(asAdmin()).expect(200));
      expect(all.map((w: { id: string }) => w.id)).toContain(created.id);
      expect(all.every((w: object) => !('secret' in w))).toBe(true);
      expect(
        bodyOf<WebhookResponse[]>(await h.http().get('/v1/admin/webhooks?firmId=9002').set(asAdmin()).expect(200)).map(
          (w: { id: string }) => w.id,
        ),
      ).toEqual([created.id]);

      // A refused URL on PATCH changes nothing.
      const refused = typed<ApiError>(
        await h
          .http()
          .patch(`/v1/admin/webhooks/${created.id}`)
          .set(asAdmin())
          .send({ url: 'https://evil.example.com/', fullPhones: true }),
      );
      expect(refused.body.code).toBe('WEBHOOK_URL_NOT_ALLOWED');
      expect((await h.http().get(`/v1/admin/webhooks/${created.id}`).set(asAdmin()).expect(200)).body).toEqual(one);

      const changed = bodyOf<WebhookResponse>(
        await h
          .http()
          .patch(`/v1/admin/webhooks/${created.id}`)
          .set(asAdmin())
          .send({ url: 'http://localhost:9/b', eventTypes: ['contact.called'], fullPhones: true, enabled: false })
          .expect(200),
      );
      expect(changed).toMatchObject({
        url: 'http://localhost:9/b',
        eventTypes: ['contact.called'],
        fullPhones: true,
        enabled: false,
        disabledReason: 'disabled by operations',
      });
      await ds.query('UPDATE ai_visitor_webhook SET failing_since = ? WHERE id = ?', [
        ds.options.type === 'better-sqlite3' ? '2026-01-01 00:00:00.000' : new Date('2026-01-01T00:00:00Z'),
        created.id,
      ]);
      const enabled = bodyOf<WebhookResponse>(
        await h
          .http()
          .patch(`/v1/admin/webhooks/${created.id}`)
          .set(asAdmin())
          .send({ enabled: true, eventTypes: null })
          .expect(200),
      );
      expect(enabled).toMatchObject({ enabled: true, disabledReason: null, failingSince: null, eventTypes: null });

      await h.http().delete(`/v1/admin/webhooks/${created.id}`).set(asAdmin()).expect(204);
      for (const res of [
        await h.http().get(`/v1/admin/webhooks/${created.id}`).set(asAdmin()),
        await h.http().patch(`/v1/admin/webhooks/${created.id}`).set(asAdmin()).send({ enabled: true }),
        await h.http().delete(`/v1/admin/webhooks/${created.id}`).set(asAdmin()),
        await h
          .http()
          .post(`/v1/admin/webhooks/${created.id}/redeliver`)
          .set(asAdmin())
          .send({ eventIds: ['evt_1'] }),
        await h.http().post(`/v1/admin/webhooks/${created.id}/rotate-secret`).set(asAdmin()),
      ]) {
        expect({ status: res.status, code: bodyOf<ApiError>(res).code }).toEqual({
          status: 404,
          code: 'WEBHOOK_NOT_FOUND',
        });
      }
    });
  });

  describe('delivery', () => {
    it('a receiver failing 30% and timing out 10% still gets every event, signed, in per-task order; full numbers only where asked', async () => {
      const FIRM = 9100;
      await grantBot(h, FIRM);
      const flaky = await receiver({ failRate: 0.3, timeoutRate: 0.1 });
      const phones = await receiver();
      const flakyHook = await register({ url: flaky.url, firmId: String(FIRM) }, flaky);
      const phonesHook = await register(
        { url: phones.url, firmId: String(FIRM), eventTypes: ['contact.called'], fullPhones: true },
        phones,
      );
      // Another firm's endpoint never sees this firm's events.
      const other = await receiver();
      await register({ url: other.url, firmId: '9199' }, other);

      const me = asAccount(FIRM, 1);
      const submitted = [contacts(4, 910_000), contacts(4, 910_100), contacts(4, 910_200)];
      const taskIds: string[] = [];
      for (const list of submitted) taskIds.push(await createTask(h, FIRM, 1, { contacts: list, maxAttempts: 1 }));
      for (const id of taskIds) await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
      // The sync and the relay run side by side, as in the worker.
      for (let pass = 0; pass < 200; pass++) {
        await h.sync();
        await h.relay();
        const [{ n }] = await ds.query<{ n: number | string }[]>(
          `SELECT COUNT(*) AS n FROM ai_visitor_task WHERE firm_id = ? AND status <> 5`,
          [FIRM],
        );
        if (Number(n) === 0) break;
        await sleep(20);
      }
      await relayUntilDelivered([flakyHook.id, phonesHook.id]);

      const events = await eventsOfFirm(FIRM);
      expect(events.filter((e) => e.type === 'task.completed')).toHaveLength(3);
      // Every event arrived (duplicates allowed: at least once), every request was signed with the secret.
      expect(new Set(flaky.accepted().map((r) => r.eventId))).toEqual(new Set(events.map((e) => e.event_id)));
      // (Both ways: X-AIV-Signature, and the Standard Webhooks headers with the standardwebhooks library.)
      expect(flaky.requests.filter((r) => !r.verified)).toEqual([]);
      expect(
        flaky.requests.filter((r) => r.headers['webhook-id'] !== r.eventId || r.headers['webhook-id'] !== r.event.id),
      ).toEqual([]);
      expect(flaky.requests.filter((r) => r.answer !== 'accepted').length).toBeGreaterThan(0);
      // Per task, the first acceptances come in sequence order, every sequence once.
      for (const id of taskIds) {
        const sequences = firstAcceptance(flaky.accepted())
          .filter((r) => r.event.taskId === id)
          .map((r) => r.event.sequence);
        const expected = events.filter((e) => String(e.task_id) === id).map((e) => Number(e.sequence));
        expect(sequences).toEqual(expected.sort((a, b) => a - b));
        // No later event of the task was even attempted before the earlier ones were accepted.
        const attempts = flaky.requests.filter((r) => r.event.taskId === id).map((r) => r.event.sequence!);
        expect(attempts).toEqual([...attempts].sort((a, b) => a - b));
      }
      // The body is the event as the feed shows it; masked numbers by default, full ones for the fullPhones endpoint.
      const called = flaky.accepted().find((r) => r.event.type === 'contact.called')!;
      expect(Object.keys(called.event).sort()).toEqual([
        'createdAt',
        'data',
        'firmId',
        'id',
        'position',
        'sequence',
        'taskId',
        'type',
      ]);
      expect(String(called.event.data.phone)).toMatch(/\*{4}/);
      expect(called.headers['content-type']).toBe('application/json');
      expect(phones.requests.every((r) => r.event.type === 'contact.called' && r.verified)).toBe(true);
      // Each contact.called event reached it (at least once: an answer slower than this suite's 300 ms
      // WEBHOOK_TIMEOUT_MS on a loaded machine is sent again), each with a full number of the task's contacts.
      const calledIds = new Set(events.filter((e) => e.type === 'contact.called').map((e) => e.event_id));
      expect(new Set(phones.accepted().map((r) => r.eventId))).toEqual(calledIds);
      const allNumbers = new Set(submitted.flat().map((c) => c.phone));
      const fullNumbers = phones.accepted().map((r) => String(r.event.data.phone));
      for (const phone of fullNumbers) expect(allNumbers.has(phone.replace(/^\+86/, ''))).toBe(true);
      expect(other.requests).toEqual([]);

      // The firm sees its endpoints' health (not the secrets, not other firms' endpoints).
      const mine = bodyOf<WebhookResponse[]>(await h.http().get('/v1/webhooks').set(me).expect(200));
      expect(mine.map((w: { id: string }) => w.id).sort()).toEqual([flakyHook.id, phonesHook.id].sort());
      const health = mine.find((w: { id: string }) => w.id === flakyHook.id);
      expect(health).toMatchObject({
        enabled: true,
        failingSince: null,
        pendingDeliveries: 0,
        lastSuccessAt: expect.any(String),
      });
      expect(health!.lastError).toMatch(/HTTP 500|no answer within 300 ms/);
      expect(mine.every((w: object) => !('secret' in w))).toBe(true);

      // Metrics: deliveries by outcome, their latency, events by type.
      const metrics = (await h.http().get('/metrics').expect(200)).text;
      expect(sample(metrics, 'aiv_webhook_deliveries_total', { outcome: 'delivered' })).toBeGreaterThanOrEqual(
        events.length,
      );
      expect(sample(metrics, 'aiv_webhook_deliveries_total', { outcome: 'retried' })).toBeGreaterThan(0);
      expect(sample(metrics, 'aiv_webhook_delivery_latency_seconds_count')).toBeGreaterThanOrEqual(events.length);
      expect(sample(metrics, 'aiv_events_total', { type: 'task.completed' })).toBeGreaterThanOrEqual(3);
      expect(sample(metrics, 'aiv_webhook_oldest_undelivered_seconds')).toBeDefined();

      // Redelivery: by event ids, then by time range (only the events the endpoint receives are counted).
      const target = events.find((e) => e.type === 'contact.called')!;
      const byId = await h
        .http()
        .post(`/v1/admin/webhooks/${phonesHook.id}/redeliver`)
        .set(asAdmin())
        .send({ eventIds: [target.event_id, events[0].event_id] })
        .expect(200);
      expect(byId.body).toEqual({ scheduled: 1 }); // events[0] is task.started: not a type it receives
      const before = phones.accepted().length;
      await relayUntilDelivered([phonesHook.id]);
      expect(
        new Set(
          phones
            .accepted()
            .slice(before)
            .map((r) => r.eventId),
        ),
      ).toEqual(new Set([target.event_id]));

      const from = new Date(Date.now() - 3_600_000).toISOString();
      const to = new Date(Date.now() + 3_600_000).toISOString();
      const byRange = await h
        .http()
        .post(`/v1/admin/webhooks/${phonesHook.id}/redeliver`)
        .set(asAdmin())
        .send({ from, to })
        .expect(200);
      expect(byRange.body).toEqual({ scheduled: calledIds.size });
      const beforeRange = phones.accepted().length;
      await relayUntilDelivered([phonesHook.id]);
      expect(
        new Set(
          phones
            .accepted()
            .slice(beforeRange)
            .map((r) => r.eventId),
        ),
      ).toEqual(calledIds);

      for (const body of [{}, { from, to, eventIds: [target.event_id] }, { from: to, to: from }, { from }]) {
        const res = typed<ApiError>(
          await h.http().post(`/v1/admin/webhooks/${phonesHook.id}/redeliver`).set(asAdmin()).send(body),
        );
        expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
      }
    }, 120_000);

    it('an endpoint registered before keeps its base64url secret: the same key bytes, written in the specification form, verify', async () => {
      const FIRM = 9150;
      await grantBot(h, FIRM);
      const r = await receiver();
      const hook = await register({ url: r.url, firmId: String(FIRM) }, r);
      // The secret as registration issued it before Standard Webhooks: whsec_ and base64url (sealed as it was).
      let legacy = '';
      while (!/[-_]/.test(legacy)) legacy = `whsec_${randomBytes(32).toString('base64url')}`;
      const sealed = h.api.get(PhoneVault).seal(legacy);
      await ds.query('UPDATE ai_visitor_webhook SET secret_enc = ?, secret_key_id = ? WHERE id = ?', [
        sealed.enc,
        sealed.keyId,
        hook.id,
      ]);
      r.secret = null;
      await threeEventTask(FIRM);
      await relayUntilDelivered([hook.id]);

      expect(r.accepted().map((x) => x.event.type)).toEqual(['task.started', 'task.paused', 'task.cancelled']);
      // docs/webhooks.md: the same secret in the specification's form, for a stock Standard Webhooks verifier.
      const specForm = `whsec_${Buffer.from(legacy.slice('whsec_'.length), 'base64url').toString('base64')}`;
      for (const x of r.requests) {
        expect(verifyStandard(specForm, x.headers, x.rawBody)).toBe(true);
        expect(verifySignature(legacy, x.headers['x-aiv-signature'] as string, x.rawBody)).toBe(true);
        expect(verifyStandard(`whsec_${randomBytes(32).toString('base64')}`, x.headers, x.rawBody)).toBe(false);
      }
    }, 60_000);

    it("one task's failing event holds that task's later events for the endpoint, never another task's", async () => {
      const FIRM = 9200;
      await grantBot(h, FIRM);
      let held = '';
      const r = await receiver({ failWhen: (e) => e.taskId === held });
      const hook = await register({ url: r.url, firmId: String(FIRM) }, r);
      held = await threeEventTask(FIRM);
      const free = await threeEventTask(FIRM);

      for (let i = 0; i < 30; i++) {
        await h.relay();
        await sleep(15);
      }
      const freeSeqs = firstAcceptance(r.accepted())
        .filter((x) => x.event.taskId === free)
        .map((x) => x.event.sequence);
      expect(freeSeqs).toEqual([1, 2, 3]);
      const heldAttempts = r.requests.filter((x) => x.event.taskId === held);
      expect(heldAttempts.length).toBeGreaterThan(1);
      expect(new Set(heldAttempts.map((x) => x.event.sequence))).toEqual(new Set([1])); // 2 and 3 wait
      const waiting = bodyOf<WebhookResponse[]>(
        await h.http().get('/v1/webhooks').set(asAccount(FIRM, 1)).expect(200),
      )[0];
      expect(waiting).toMatchObject({ pendingDeliveries: 3, lastError: 'HTTP 500' });

      // The receiver recovers: the held events follow, in order.
      r.options.failWhen = undefined;
      await relayUntilDelivered([hook.id]);
      expect(
        firstAcceptance(r.accepted())
          .filter((x) => x.event.taskId === held)
          .map((x) => x.event.sequence),
      ).toEqual([1, 2, 3]);
    }, 60_000);

    it('a redelivery schedules only events in the feed: not an unrendered batch row, not an event still unpositioned', async () => {
      const FIRM = 9400;
      await grantBot(h, FIRM);
      const r = await receiver();
      const hook = await register({ url: r.url, firmId: String(FIRM) }, r);
      await threeEventTask(FIRM);
      await relayUntilDelivered([hook.id]);

      // A task started and synced, no relay round since: its task.started is committed but not positioned, and
      // its call results are one batch row, not rendered yet (the sync writes it; the sequencer renders it).
      const me = asAccount(FIRM, 1);
      const taskId = await createTask(h, FIRM, 1, { contacts: contacts(2, (numbers += 10)), maxAttempts: 1 });
      await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
      const unrendered = async () =>
        await ds.query<{ id: string | number }[]>(
          "SELECT id FROM ai_visitor_event WHERE firm_id = ? AND type LIKE 'batch:%'",
          [FIRM],
        );
      for (let pass = 0; pass < 200 && (await unrendered()).length === 0; pass++) {
        await h.sync();
        await sleep(20);
      }
      const [batchRow] = await unrendered();
      expect(batchRow).toBeDefined();
      const [unpositioned] = await ds.query<{ id: string | number }[]>(
        "SELECT id FROM ai_visitor_event WHERE task_id = ? AND type = 'task.started' AND position IS NULL",
        [taskId],
      );
      expect(unpositioned).toBeDefined();
      const [{ n: inFeed }] = await ds.query<{ n: DbValue }[]>(
        'SELECT COUNT(*) AS n FROM ai_visitor_event WHERE firm_id = ? AND position IS NOT NULL',
        [FIRM],
      );
      expect(Number(inFeed)).toBe(3);

      const from = new Date(Date.now() - 3_600_000).toISOString();
      const to = new Date(Date.now() + 3_600_000).toISOString();
      const byRange = await h
        .http()
        .post(`/v1/admin/webhooks/${hook.id}/redeliver`)
        .set(asAdmin())
        .send({ from, to })
        .expect(200);
      expect(byRange.body).toEqual({ scheduled: 3 });
      const byIds = await h
        .http()
        .post(`/v1/admin/webhooks/${hook.id}/redeliver`)
        .set(asAdmin())
        .send({ eventIds: [`evt_${batchRow.id}`, `evt_${unpositioned.id}`] })
        .expect(200);
      expect(byIds.body).toEqual({ scheduled: 0 });

      // The relay positions and renders them, the fan-out sends them: nothing stays pending, nothing goes out unpositioned.
      await relayUntilDelivered([hook.id]);
      expect((await h.http().get(`/v1/admin/webhooks/${hook.id}`).set(asAdmin()).expect(200)).body).toMatchObject({
        pendingDeliveries: 0,
      });
      expect(
        r.requests.filter(
          (x) =>
            !/^\d+$/.test(String((x.event as { position?: unknown }).position)) || x.event.type.startsWith('batch:'),
        ),
      ).toEqual([]);
      const events = await eventsOfFirm(FIRM);
      expect(events.some((e) => e.type === 'contact.called')).toBe(true);
      expect(new Set(r.accepted().map((x) => x.eventId))).toEqual(new Set(events.map((e) => e.event_id)));
    }, 60_000);

    it('the relay gives up a claimed delivery whose event is gone, and gives back one whose event has no position yet instead of sending it', async () => {
      const FIRM = 9450;
      const r = await receiver();
      const hook = await register({ url: r.url, firmId: String(FIRM) }, r);
      await relayUntilDelivered([hook.id]); // nothing else waiting: this round's claim is the two below
      const outbox = h.api.get(EventOutbox);
      const append = (events: NewEvent[]) => h.api.get(TransactionRunner).run((m) => outbox.append(m, events));
      const lastId = async () => String((await ds.query<DbRow[]>('SELECT MAX(id) AS id FROM ai_visitor_event'))[0].id);
      // Deliveries as a redelivery made before it took positioned events only left them: one whose event was
      // deleted since, one whose event is not positioned, and behind a thousand others (another firm's, received
      // by no endpoint), so the round's sequencing does not reach it before the claim.
      await append([
        { type: 'task.started', firmId: String(FIRM), taskId: '945001', sequence: 1, data: { taskId: '945001' } },
      ]);
      const gone = await lastId();
      await ds.query('DELETE FROM ai_visitor_event WHERE id = ?', [gone]);
      await append(
        Array.from({ length: 1000 }, (_, i) => ({
          type: 'firm.bot_expiring' as const,
          firmId: '9451',
          data: { n: i },
        })),
      );
      await append([
        { type: 'task.started', firmId: String(FIRM), taskId: '945002', sequence: 1, data: { taskId: '945002' } },
      ]);
      const unpositioned = await lastId();
      for (const [eventPk, taskId] of [
        [gone, '945001'],
        [unpositioned, '945002'],
      ]) {
        await ds.query(
          'INSERT INTO ai_visitor_webhook_delivery (webhook_id, event_pk, task_id, sequence, next_attempt_at, created_at) VALUES (?, ?, ?, 1, ?, ?)',
          [hook.id, eventPk, taskId, '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000'],
        );
      }
      const unsendable = async () =>
        sample((await h.http().get('/metrics').expect(200)).text, 'aiv_webhook_deliveries_unsendable_total', {
          reason: 'event_gone',
        }) ?? 0;
      const before = await unsendable();

      const round = await h.relay();
      expect(round).toMatchObject({
        sequenced: 1000,
        claimed: 2,
        unsendable: 1,
        released: 1,
        delivered: 0,
        retried: 0,
      });
      expect(r.requests).toEqual([]);
      const rows = await ds.query<
        {
          event_pk: string | number;
          status: number;
          attempts: number;
          last_error: string | null;
          lease_owner: string | null;
        }[]
      >(
        'SELECT event_pk, status, attempts, last_error, lease_owner FROM ai_visitor_webhook_delivery WHERE webhook_id = ? ORDER BY id',
        [hook.id],
      );
      expect(
        rows.map((d) => ({
          ...d,
          event_pk: String(d.event_pk),
          status: Number(d.status),
          attempts: Number(d.attempts),
        })),
      ).toEqual([
        { event_pk: gone, status: 2, attempts: 0, last_error: 'event no longer stored', lease_owner: null },
        { event_pk: unpositioned, status: 0, attempts: 0, last_error: null, lease_owner: null },
      ]);
      expect(await unsendable()).toBe(before + 1);

      // Positioned by a later round, it goes out with its position.
      await relayUntilDelivered([hook.id]);
      expect(
        r.accepted().map((x) => [x.eventId, /^\d+$/.test(String((x.event as { position?: unknown }).position))]),
      ).toEqual([[`evt_${unpositioned}`, true]]);
    }, 60_000);
  });

  describe('several workers', () => {
    it('share the relay (two worker processes and this one): no delivery sent by two of them, every event per task in order', async () => {
      const FIRM = 9250;
      await grantBot(h, FIRM);
      const r = await receiver();
      const hook = await register({ url: r.url, firmId: String(FIRM) }, r);
      const taskIds: string[] = [];
      for (let t = 0; t < 8; t++) taskIds.push(await threeEventTask(FIRM));
      const pending = async () =>
        Number(
          (
            await ds.query<DbRow[]>(
              'SELECT COUNT(*) AS n FROM ai_visitor_webhook_delivery WHERE webhook_id = ? AND status = 0',
              [hook.id],
            )
          )[0].n,
        );
      await h.relay(); // positions and fans out; then three workers race for the deliveries
      const workers = [spawnWorker({ AIV_WORKER_JOB: 'relay' }), spawnWorker({ AIV_WORKER_JOB: 'relay' })];
      await Promise.all(workers.map((w) => w.ready));
      workers.forEach((w) => w.go());
      let unrecorded = 0;
      for (let i = 0; i < 500 && (await pending()) > 0; i++) unrecorded += (await h.relay()).unrecorded;
      const exits = await Promise.all(workers.map((w) => w.exited));
      expect(exits.map((e) => ({ code: e.code, left: e.report?.left }))).toEqual([
        { code: 0, left: 0 },
        { code: 0, left: 0 },
      ]);
      expect(await pending()).toBe(0);
      const ids = r.requests.map((x) => x.eventId);
      expect(new Set(ids).size).toBe(24);
      // No two workers sent the same delivery: every request the receiver got is an attempt one worker recorded.
      // (An attempt that outlasts this suite's 300 ms WEBHOOK_TIMEOUT_MS on a loaded machine is tried again: the
      // receiver then holds the event twice, as at-least-once allows, and the delivery counts both attempts.)
      // (And a round whose outcome could not be recorded, say its transaction failed on a loaded database, sends
      // those events again: each relay counts such POSTs, `unrecorded`.)
      const [{ attempts }] = await ds.query<{ attempts: DbValue }[]>(
        'SELECT SUM(attempts) AS attempts FROM ai_visitor_webhook_delivery WHERE webhook_id = ?',
        [hook.id],
      );
      unrecorded += exits.reduce((n, e) => n + (e.report?.unrecorded ?? 0), 0);
      expect(ids.length).toBe(Number(attempts) + unrecorded);
      for (const id of taskIds) {
        const firsts = [...new Set(r.requests.filter((x) => x.event.taskId === id).map((x) => x.event.sequence))];
        expect(firsts).toEqual([1, 2, 3]);
      }
    }, 90_000);

    it('two worker processes over a backlog of many events per task: a round takes a chain of each task, and every event arrives once per recorded attempt, in per-task order', async () => {
      const FIRM = '9260';
      const TASKS = 12;
      const PER_TASK = 25;
      const r = await receiver();
      const hook = await register({ url: r.url, firmId: FIRM }, r);
      const taskIds = Array.from({ length: TASKS }, (_, i) => String(926_001 + i));
      // Interleaved by task in blocks of 5, as a page of pushes per task leaves them.
      const events: NewEvent[] = [];
      for (let block = 0; block < PER_TASK / 5; block++)
        for (const taskId of taskIds)
          for (let k = 1; k <= 5; k++) {
            const sequence = block * 5 + k;
            events.push({ type: 'contact.called', firmId: FIRM, taskId, sequence, data: { taskId, n: sequence } });
          }
      await h.api.get(TransactionRunner).run((m) => h.api.get(EventOutbox).append(m, events));
      const pending = async () =>
        Number(
          (
            await ds.query<DbRow[]>(
              'SELECT COUNT(*) AS n FROM ai_visitor_webhook_delivery WHERE webhook_id = ? AND status = 0',
              [hook.id],
            )
          )[0].n,
        );

      const othersPending = Number(
        (
          await ds.query<DbRow[]>(
            'SELECT COUNT(*) AS n FROM ai_visitor_webhook_delivery WHERE webhook_id <> ? AND status = 0',
            [hook.id],
          )
        )[0].n,
      );
      // One round here first: it positions and fans out the backlog, and claims more than one event of a task (one
      // head per task would be TASKS at most, beside what other endpoints had pending).
      const first = await h.relay();
      expect(first.claimed - othersPending).toBeGreaterThan(TASKS);
      // Then two worker processes race for the rest.
      const workers = [spawnWorker({ AIV_WORKER_JOB: 'relay' }), spawnWorker({ AIV_WORKER_JOB: 'relay' })];
      await Promise.all(workers.map((w) => w.ready));
      workers.forEach((w) => w.go());
      const exits = await Promise.all(workers.map((w) => w.exited));
      expect(exits.map((e) => ({ code: e.code, left: e.report?.left }))).toEqual([
        { code: 0, left: 0 },
        { code: 0, left: 0 },
      ]);
      expect(await pending()).toBe(0);

      expect(new Set(r.requests.map((x) => x.eventId)).size).toBe(TASKS * PER_TASK);
      // No two relays sent the same delivery: every request is an attempt one of them recorded, or a POST it counted
      // as unrecorded (see the test above).
      const [{ attempts }] = await ds.query<{ attempts: DbValue }[]>(
        'SELECT SUM(attempts) AS attempts FROM ai_visitor_webhook_delivery WHERE webhook_id = ?',
        [hook.id],
      );
      const unrecorded = first.unrecorded + exits.reduce((n, e) => n + (e.report?.unrecorded ?? 0), 0);
      expect(r.requests.length).toBe(Number(attempts) + unrecorded);
      // Per task, what arrived never goes back (an attempt answered too late is repeated before the next event),
      // and the first arrivals are the task's events in sequence order.
      for (const taskId of taskIds) {
        const arrived = r.requests.filter((x) => x.event.taskId === taskId).map((x) => x.event.sequence!);
        expect(arrived).toEqual([...arrived].sort((a, b) => a - b));
        expect([...new Set(arrived)]).toEqual(Array.from({ length: PER_TASK }, (_, i) => i + 1));
      }
    }, 90_000);
  });

  describe('an endpoint failing for a day', () => {
    it('is disabled, gives up its deliveries, and a webhook.disabled event says so', async () => {
      const FIRM = 9300;
      await grantBot(h, FIRM);
      // The day passes for every endpoint: the other tests' are deleted first (with their deliveries).
      for (const w of bodyOf<WebhookResponse[]>(await h.http().get('/v1/admin/webhooks').set(asAdmin()).expect(200))) {
        await h.http().delete(`/v1/admin/webhooks/${w.id}`).set(asAdmin()).expect(204);
      }
      const [{ n: left }] = await ds.query<{ n: DbValue }[]>('SELECT COUNT(*) AS n FROM ai_visitor_webhook_delivery');
      expect(Number(left)).toBe(0);
      const down = await receiver({ failRate: 1 });
      const hook = await register({ url: down.url, firmId: String(FIRM) }, down);
      // The platform's all-firms endpoint hears of it.
      const ops = await receiver();
      const opsHook = await register({ url: ops.url, eventTypes: ['webhook.disabled'] }, ops);
      const disabledBefore =
        sample((await h.http().get('/metrics').expect(200)).text, 'aiv_webhook_endpoints_disabled_total') ?? 0;

      const taskId = await threeEventTask(FIRM);
      for (let i = 0; i < 5; i++) await h.relay();
      const failing = bodyOf<WebhookResponse>(
        await h.http().get(`/v1/admin/webhooks/${hook.id}`).set(asAdmin()).expect(200),
      );
      expect(failing).toMatchObject({
        enabled: true,
        failingSince: expect.any(String),
        lastError: 'HTTP 500',
        pendingDeliveries: 3,
      });

      // 23 hours on: still retrying.
      clock.set(new Date(Date.now() + 23 * 3_600_000));
      for (let i = 0; i < 3; i++) await h.relay();
      expect((await h.http().get(`/v1/admin/webhooks/${hook.id}`).set(asAdmin()).expect(200)).body).toMatchObject({
        enabled: true,
      });

      // A day and an hour on: the next failure gives the delivery up and disables the endpoint.
      clock.set(new Date(Date.now() + 25 * 3_600_000));
      await h.relay();
      const disabled = bodyOf<WebhookResponse>(
        await h.http().get(`/v1/admin/webhooks/${hook.id}`).set(asAdmin()).expect(200),
      );
      expect(disabled).toMatchObject({
        enabled: false,
        disabledReason: 'failing for 24 h without a success',
        failingSince: failing.failingSince,
      });
      const [{ failed }] = await ds.query<{ failed: DbValue }[]>(
        'SELECT COUNT(*) AS failed FROM ai_visitor_webhook_delivery WHERE webhook_id = ? AND status = 2',
        [hook.id],
      );
      expect(Number(failed)).toBe(1); // the head of the task's events; the others wait, held by a disabled endpoint

      const [event] = await ds.query<{ firm_id: DbValue; data: string }[]>(
        "SELECT firm_id, data FROM ai_visitor_event WHERE type = 'webhook.disabled'",
      );
      expect(String(event.firm_id)).toBe(String(FIRM));
      expect(JSON.parse(event.data)).toMatchObject({
        webhookId: hook.id,
        url: down.url,
        reason: 'failing for 24 h without a success',
        lastError: 'HTTP 500',
      });
      await relayUntilDelivered([opsHook.id]);
      expect(ops.accepted().map((r) => r.event.type)).toEqual(['webhook.disabled']);
      expect(sample((await h.http().get('/metrics').expect(200)).text, 'aiv_webhook_endpoints_disabled_total')).toBe(
        disabledBefore + 1,
      );

      // No more attempts while disabled; re-enabled, the receiver back, the rest goes through.
      const attempts = down.requests.length;
      for (let i = 0; i < 3; i++) await h.relay();
      expect(down.requests.length).toBe(attempts);
      down.options.failRate = 0;
      await h.http().patch(`/v1/admin/webhooks/${hook.id}`).set(asAdmin()).send({ enabled: true }).expect(200);
      await relayUntilDelivered([hook.id]);
      expect(
        down
          .accepted()
          .filter((r) => r.event.taskId === taskId)
          .map((r) => r.event.sequence),
      ).toEqual([2, 3]);
      clock.set(new Date());
    }, 60_000);
  });

  describe('secret rotation', () => {
    it('signs every delivery with both secrets, both ways, for WEBHOOK_SECRET_OVERLAP_HOURS; then with the new one only', async () => {
      const FIRM = 9500;
      await grantBot(h, FIRM);
      const r = await receiver({ now: () => clock.now().getTime() });
      const hook = await register({ url: r.url, firmId: String(FIRM) }, r);
      const first: string = hook.secret;
      const other = `whsec_${randomBytes(32).toString('base64')}`;
      /** Which of the secrets verify each delivery (Standard Webhooks library / X-AIV-Signature), and how many signatures it carries. */
      const check = (received: ReceivedDelivery[], secrets: string[]) =>
        received.map((x) => ({
          standard: secrets.map((secret) => verifyStandard(secret, x.headers, x.rawBody, clock.now().getTime())),
          aiv: secrets.map((secret) => verifySignature(secret, x.headers['x-aiv-signature'] as string, x.rawBody)),
          signatures: [
            String(x.headers['webhook-signature']).split(' ').length,
            String(x.headers['x-aiv-signature']).split(',v1=').length - 1,
          ],
        }));
      const deliveredSince = async (from: number) => {
        await threeEventTask(FIRM);
        await relayUntilDelivered([hook.id]);
        return r.requests.slice(from);
      };

      // Before: one secret, one signature each way.
      const before = await deliveredSince(0);
      expect(check(before, [first, other])).toEqual(
        before.map(() => ({ standard: [true, false], aiv: [true, false], signatures: [1, 1] })),
      );

      // The rotation answers the new secret once, in the specification's form; the previous one signs for 2 hours.
      const rotatedAt = Date.now();
      const rotated = bodyOf<RegisteredWebhookResponse>(
        await h.http().post(`/v1/admin/webhooks/${hook.id}/rotate-secret`).set(asAdmin()).expect(200),
      );
      const second: string = rotated.secret;
      expect(second).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(second).not.toBe(first);
      const overlapEnd = Date.parse(rotated.previousSecretExpiresAt!);
      expect(overlapEnd - rotatedAt).toBeGreaterThanOrEqual(2 * 3_600_000 - 1_000);
      expect(overlapEnd - Date.now()).toBeLessThanOrEqual(2 * 3_600_000);
      const { secret: _secret, ...view } = rotated;
      expect((await h.http().get(`/v1/admin/webhooks/${hook.id}`).set(asAdmin()).expect(200)).body).toEqual(view);
      // Both sealed at rest, neither in clear.
      const [row] = await ds.query<
        { secret_enc: string; secret_key_id: string; previous_secret_enc: string; previous_secret_key_id: string }[]
      >(
        'SELECT secret_enc, secret_key_id, previous_secret_enc, previous_secret_key_id FROM ai_visitor_webhook WHERE id = ?',
        [hook.id],
      );
      expect(JSON.stringify(row)).not.toContain(first.slice(6, 30));
      expect(JSON.stringify(row)).not.toContain(second.slice(6, 30));
      const vault = h.api.get(PhoneVault);
      expect([
        vault.open({ enc: row.secret_enc, keyId: row.secret_key_id }),
        vault.open({ enc: row.previous_secret_enc, keyId: row.previous_secret_key_id }),
      ]).toEqual([second, first]);

      const malformed = typed<ApiError>(await h.http().post('/v1/admin/webhooks/abc/rotate-secret').set(asAdmin()));
      expect({ status: malformed.status, code: malformed.body.code }).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
      });

      // Rotating again during the overlap would drop a secret receivers may hold: refused, nothing changed.
      const again = typed<ApiError>(await h.http().post(`/v1/admin/webhooks/${hook.id}/rotate-secret`).set(asAdmin()));
      expect({ status: again.status, code: again.body.code, details: again.body.details }).toEqual({
        status: 409,
        code: 'WEBHOOK_SECRET_ROTATING',
        details: { previousSecretExpiresAt: rotated.previousSecretExpiresAt },
      });
      expect(
        await ds.query(
          'SELECT secret_enc, secret_key_id, previous_secret_enc, previous_secret_key_id FROM ai_visitor_webhook WHERE id = ?',
          [hook.id],
        ),
      ).toEqual([row]);

      // During the overlap: both signatures in both headers; a receiver holding either secret verifies either way.
      r.secret = second;
      const during = await deliveredSince(r.requests.length);
      expect(during.length).toBeGreaterThanOrEqual(3);
      expect(check(during, [second, first, other])).toEqual(
        during.map(() => ({ standard: [true, true, false], aiv: [true, true, false], signatures: [2, 2] })),
      );
      expect(during.every((x) => x.verified)).toBe(true);

      // Events written now, sent after the overlap (the clock 3 hours on, the receiver's too): the new secret only.
      await threeEventTask(FIRM);
      clock.set(new Date(Date.now() + 3 * 3_600_000));
      try {
        const from = r.requests.length;
        await relayUntilDelivered([hook.id]);
        const after = r.requests.slice(from);
        expect(after.length).toBeGreaterThanOrEqual(3);
        expect(check(after, [second, first])).toEqual(
          after.map(() => ({ standard: [true, false], aiv: [true, false], signatures: [1, 1] })),
        );
        expect(after.every((x) => x.verified)).toBe(true);
        // The overlap over, the endpoint can be rotated again; the secret it replaces is the second.
        const third = bodyOf<RegisteredWebhookResponse>(
          await h.http().post(`/v1/admin/webhooks/${hook.id}/rotate-secret`).set(asAdmin()).expect(200),
        );
        expect(third.secret).not.toBe(second);
        const [latest] = await ds.query<{ previous_secret_enc: string; previous_secret_key_id: string }[]>(
          'SELECT previous_secret_enc, previous_secret_key_id FROM ai_visitor_webhook WHERE id = ?',
          [hook.id],
        );
        expect(vault.open({ enc: latest.previous_secret_enc, keyId: latest.previous_secret_key_id })).toBe(second);
      } finally {
        clock.set(new Date());
      }
      await h.http().delete(`/v1/admin/webhooks/${hook.id}`).set(asAdmin()).expect(204);
    }, 60_000);
  });
});
