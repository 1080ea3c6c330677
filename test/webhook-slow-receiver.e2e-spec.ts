import { DataSource } from 'typeorm';
import { EventOutbox, NewEvent } from '@app/events';
import { TransactionRunner } from '@app/database';
import { asAdmin, Harness, startHarness } from './support/harness';
import { spawnWorker } from './support/worker-child';
import { startWebhookReceiver, WebhookReceiver } from './support/webhook-receiver';
import { bodyOf, RegisteredWebhookResponse } from './support/api-types';
import { DbRow } from './support/db-rows';

const TASKS = 100;
const TIMEOUT_MS = 5_000;
/** Each task's first event is answered this slowly (within WEBHOOK_TIMEOUT_MS), its second at once. */
const SLOW_MS = 4_000;

/**
 * A slow receiver against two relays (this process's and a worker process). One round claims 200 deliveries
 * (each task's two, a chain sent in order) under one lease of WEBHOOK_TIMEOUT_MS + 30 s and sends 10 chains at a
 * time: each task's first event answered in 4 s, the 100 chains take 40 s, longer than the lease. A POST starts only while the lease has WEBHOOK_TIMEOUT_MS (and the time to record the
 * round) left, so the round stops starting POSTs in time, records what it sent and gives the rest back; the
 * other relay never takes over a delivery still being sent or sent and not yet recorded. So the receiver gets
 * each event exactly as many times as the database counts attempts (no double send), and each task's events in
 * sequence order. The wall time is real (the lease is at least 31 s): about a minute.
 */
describe('a slow receiver and two relays', () => {
  let h: Harness;
  let ds: DataSource;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    h = await startHarness({ env: { WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS), WEBHOOK_RETRY_BASE_MS: '20' } });
    ds = h.api.get(DataSource);
    receiver = await startWebhookReceiver({ delayMs: (event) => (event.sequence === 1 ? SLOW_MS : 0) });
  });

  afterAll(async () => {
    await receiver?.close();
    await h?.close();
  });

  it('no delivery is sent twice and each task gets its events in order, though a round outlasts its lease', async () => {
    const FIRM = '9600';
    const hook = bodyOf<RegisteredWebhookResponse>(
      await h.http().post('/v1/admin/webhooks').set(asAdmin()).send({ url: receiver.url, firmId: FIRM }).expect(201),
    );
    receiver.secret = hook.secret;
    // Two events per task, every task's first one before any second one: one claim takes them all, by task.
    const taskIds = Array.from({ length: TASKS }, (_, i) => String(960_001 + i));
    const event = (taskId: string, sequence: number): NewEvent => ({
      type: sequence === 1 ? 'task.started' : 'task.paused',
      firmId: FIRM,
      taskId,
      sequence,
      data: { taskId, status: sequence === 1 ? 2 : 4, previousStatus: sequence === 1 ? 1 : 3 },
    });
    await h.api
      .get(TransactionRunner)
      .run((m) =>
        h.api.get(EventOutbox).append(m, [...taskIds.map((t) => event(t, 1)), ...taskIds.map((t) => event(t, 2))]),
      );

    const pending = async () =>
      Number(
        (
          await ds.query<DbRow[]>(
            'SELECT COUNT(*) AS n FROM ai_visitor_webhook_delivery WHERE webhook_id = ? AND status = 0',
            [hook.id],
          )
        )[0].n,
      );
    const leased = async () =>
      Number(
        (
          await ds.query<DbRow[]>(
            'SELECT COUNT(*) AS n FROM ai_visitor_webhook_delivery WHERE webhook_id = ? AND lease_owner IS NOT NULL',
            [hook.id],
          )
        )[0].n,
      );
    const other = spawnWorker({ AIV_WORKER_JOB: 'relay', AIV_WORKER_MAX_MS: '200000' });
    await other.ready;

    // This process's relay claims every event (each task's first with its second behind it); the other relay starts
    // once they are leased.
    let released = 0;
    let unrecorded = 0;
    const first = h.relay();
    while ((await leased()) < 2 * TASKS) await new Promise((resolve) => setTimeout(resolve, 20));
    other.go();
    const firstRound = await first;
    expect(firstRound.claimed).toBe(2 * TASKS);
    released += firstRound.released;
    unrecorded += firstRound.unrecorded;
    const deadline = Date.now() + 200_000;
    while ((await pending()) > 0 && Date.now() < deadline) {
      const round = await h.relay();
      released += round.released;
      unrecorded += round.unrecorded;
      if (round.claimed === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const exit = await other.exited;
    expect({ code: exit.code, left: exit.report?.left }).toEqual({ code: 0, left: 0 });
    unrecorded += exit.report?.unrecorded ?? 0;

    // Every event arrived, each as often as an attempt was recorded: no relay sent a delivery the other held.
    const attempts = await ds.query<{ event_pk: string | number; attempts: number; status: number }[]>(
      'SELECT event_pk, attempts, status FROM ai_visitor_webhook_delivery WHERE webhook_id = ?',
      [hook.id],
    );
    expect(attempts).toHaveLength(2 * TASKS);
    expect(attempts.filter((d) => Number(d.status) !== 1)).toEqual([]);
    const received = new Map<string, number>();
    for (const r of receiver.requests) received.set(r.eventId, (received.get(r.eventId) ?? 0) + 1);
    const doubled = attempts
      .filter((d) => received.get(`evt_${d.event_pk}`) !== Number(d.attempts))
      .map((d) => ({
        event: `evt_${d.event_pk}`,
        attempts: Number(d.attempts),
        received: received.get(`evt_${d.event_pk}`) ?? 0,
      }));
    // Per task, in sequence order (an attempt the receiver answered too late is repeated before the next event).
    const outOfOrder = taskIds
      .map((id) => ({
        taskId: id,
        arrived: receiver.requests.filter((r) => r.event.taskId === id).map((r) => r.event.sequence!),
      }))
      .filter(
        ({ arrived }) => arrived.join() !== [...arrived].sort((a, b) => a - b).join() || new Set(arrived).size !== 2,
      );
    expect({
      doubled: doubled.length,
      firstDoubled: doubled.slice(0, 3),
      outOfOrder: outOfOrder.length,
      firstOutOfOrder: outOfOrder.slice(0, 3),
      unrecorded,
    }).toEqual({
      doubled: 0,
      firstDoubled: [],
      outOfOrder: 0,
      firstOutOfOrder: [],
      unrecorded: 0,
    });
    expect(receiver.requests.every((r) => r.verified)).toBe(true);
    // The first round could not start all its POSTs in time: it gave the rest back rather than outlive its lease.
    expect(released).toBeGreaterThan(0);
  }, 300_000);
});
