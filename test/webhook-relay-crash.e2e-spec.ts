import { DataSource } from 'typeorm';
import { asAccount, asAdmin, Harness, startHarness } from './support/harness';
import { contacts, createTask, grantBot } from './support/factories';
import { spawnWorker } from './support/worker-child';
import { startWebhookReceiver, WebhookReceiver } from './support/webhook-receiver';
import { bodyOf, RegisteredWebhookResponse } from './support/api-types';
import { DbValue } from './support/db-rows';

/**
 * kill -9 of a worker process in the middle of delivering webhooks loses nothing: a worker armed with a relay
 * failpoint (libs/core/src/failpoints) dies after leasing deliveries (nothing sent) or after a POST the receiver
 * accepted but before recording it; once its leases expire, another worker delivers every event at least once,
 * and each task's events still arrive in sequence order (the one repeated is the one the dead worker had sent).
 */
const CASES = [
  { point: 'relay.after-claim', nth: 1 },
  { point: 'relay.after-post', nth: 1 },
  { point: 'relay.after-post', nth: 4 },
] as const;

describe('a worker killed (SIGKILL) while delivering webhooks loses no event', () => {
  let h: Harness;
  let ds: DataSource;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    h = await startHarness({ env: { WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_RETRY_BASE_MS: '20' } });
    ds = h.api.get(DataSource);
    receiver = await startWebhookReceiver();
  });

  afterAll(async () => {
    await receiver?.close();
    await h?.close();
  });

  it.each(CASES.map((c, i) => [`${c.point}@${c.nth}`, c, i] as const))(
    '%s',
    async (_label, { point, nth }, index) => {
      const firm = 9500 + index;
      const me = asAccount(firm, 1);
      await grantBot(h, firm);
      const hook = bodyOf<RegisteredWebhookResponse>(
        await h
          .http()
          .post('/v1/admin/webhooks')
          .set(asAdmin())
          .send({ url: receiver.url, firmId: String(firm) })
          .expect(201),
      );
      receiver.secret = hook.secret;
      // Three tasks, three events each (started, paused, cancelled): several chains, several deliveries per round.
      const taskIds: string[] = [];
      for (let t = 0; t < 3; t++) {
        const id = await createTask(h, firm, 1, { contacts: contacts(1, 950_000 + index * 100 + t) });
        await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
        await h.http().post(`/v1/tasks/${id}/pause`).set(me).expect(200);
        await h.http().post(`/v1/tasks/${id}/cancel`).set(me).expect(200);
        taskIds.push(id);
      }
      const events: { event_id: string; task_id: string | number; sequence: number }[] = (
        await ds.query<{ id: string | number; task_id: string | number; sequence: number }[]>(
          'SELECT id, task_id, sequence FROM ai_visitor_event WHERE firm_id = ? ORDER BY id',
          [firm],
        )
      ).map((e) => ({
        ...e,
        event_id: `evt_${e.id}`,
      }));
      expect(events).toHaveLength(9);
      const seenBefore = receiver.requests.length;

      const worker = spawnWorker({
        AIV_WORKER_JOB: 'relay',
        AIV_FAILPOINT: `${point}@${nth}`,
        AIV_WORKER_MAX_MS: '30000',
      });
      await worker.ready;
      worker.go();
      const death = await worker.exited;
      expect({ signal: death.signal, code: death.code, report: death.report }).toEqual({
        signal: 'SIGKILL',
        code: null,
        report: undefined,
      });
      const mine = () => receiver.requests.slice(seenBefore).filter((r) => r.event.firmId === String(firm));
      // Its POSTs run a few at a time (one per task chain): others may have landed beside the one it died after.
      const sentByTheDead = new Set(mine().map((r) => r.eventId));
      if (point === 'relay.after-claim') expect(sentByTheDead.size).toBe(0);
      else expect(sentByTheDead.size).toBeGreaterThanOrEqual(nth);
      // What it leased is still pending, the delivery it died after among them: sent, never recorded.
      const leased: { event_id: string }[] = (
        await ds.query<{ event_pk: string | number }[]>(
          'SELECT d.event_pk FROM ai_visitor_webhook_delivery d WHERE d.webhook_id = ? AND d.status = 0 AND d.lease_owner IS NOT NULL',
          [hook.id],
        )
      ).map((d) => ({ event_id: `evt_${d.event_pk}` }));
      expect(leased.length).toBeGreaterThan(0);
      const sentNotRecorded = leased.filter((l) => sentByTheDead.has(l.event_id)).length;
      if (point === 'relay.after-post') expect(sentNotRecorded).toBeGreaterThanOrEqual(1);

      // Its leases would expire after WEBHOOK_TIMEOUT_MS + 30 s; expire them now, then another worker takes over.
      await ds.query('UPDATE ai_visitor_webhook_delivery SET lease_until = NULL WHERE webhook_id = ?', [hook.id]);
      for (let round = 0; round < 200; round++) {
        await h.relay();
        const [{ n }] = await ds.query<{ n: DbValue }[]>(
          'SELECT COUNT(*) AS n FROM ai_visitor_webhook_delivery WHERE webhook_id = ? AND status = 0',
          [hook.id],
        );
        if (Number(n) === 0) break;
      }

      const received = mine();
      expect(received.every((r) => r.verified && r.answer === 'accepted')).toBe(true);
      expect(new Set(received.map((r) => r.eventId))).toEqual(new Set(events.map((e) => e.event_id)));
      // At least once: only what the dead worker had sent and not recorded comes twice.
      expect(received.length).toBe(events.length + sentNotRecorded);
      for (const id of taskIds) {
        const seqs = received.filter((r) => r.event.taskId === id).map((r) => r.event.sequence!);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        expect([...new Set(seqs)]).toEqual([1, 2, 3]);
      }
      const [{ delivered }] = await ds.query<{ delivered: DbValue }[]>(
        'SELECT COUNT(*) AS delivered FROM ai_visitor_webhook_delivery WHERE webhook_id = ? AND status = 1',
        [hook.id],
      );
      expect(Number(delivered)).toBe(events.length);
    },
    120_000,
  );
});
