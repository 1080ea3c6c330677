import { Test, TestingModule } from '@nestjs/testing';
import {
  eventsConfig,
  EventSequencer,
  EventsSettings,
  RegisterWebhook,
  RelayRoundSummary,
  RunRelayRound,
} from '@app/events';
import { WebhookFanout } from '../../libs/events/src/webhooks/relay/webhook-fanout';
import { WebhookDeliverer } from '../../libs/events/src/webhooks/relay/webhook-deliverer';
import { WebhookSender } from '../../libs/events/src/webhooks/relay/webhook-sender';
import { DeliveryRepository } from '../../libs/events/src/webhooks/delivery.repository';
import { WebhookRepository } from '../../libs/events/src/webhooks/webhook.repository';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { BENCH_FIRM, scalar, truncateAll } from '../lib/db';
import { WebhookReceiver } from '../lib/receiver';
import { SectionContext, setAppEnv } from '../lib/context';
import { localDatabaseCpuMs, log, median, nowMs, profiled, round, sleep } from '../lib/util';

export interface DeliveryRep {
  events: number;
  /** From the first relay round to the receiver holding the last event. */
  ms: number;
  eventsPerSec: number;
  rounds: number;
  /** Distinct events the receiver accepted (must equal `events`), duplicate POSTs, bad signatures, per-task order breaks. */
  received: number;
  duplicates: number;
  badSignature: number;
  outOfOrder: number;
  /** Deliveries the database holds as delivered at the end. */
  deliveredRows: number;
  complete: boolean;
  /** Wall time spent in each step of the rounds (the steps run one after the other within a round). */
  phaseMs: { sequence: number; fanOut: number; deliver: number };
  /**
   * Inside the deliver step, summed over the concurrent POST lanes (so they can exceed the step's wall time): the
   * claim transaction, the POSTs (request to answer), and the two statements of each delivery's mark transaction
   * (its BEGIN and COMMIT are not in these: lane time minus POST minus statements is mostly the commit and the
   * wait for the endpoint row's lock).
   */
  insideDeliverMs: { claim: number; post: number; markDelivered: number; recordSuccess: number };
  /** CPU (ms) over the timed span: this process (relay and receiver) and the local database server, if any. */
  cpu: { benchMs: number; databaseMs?: number };
}

export interface DeliveryResult {
  how: string;
  events: number;
  tasks: number;
  /** Consecutive events of one task in the outbox. */
  block: number;
  dataBytes: number;
  relayIntervalMs: number;
  perRep: DeliveryRep[];
  eventsPerSec: number;
  allComplete: boolean;
  duplicates: number;
}

const SEED_CHUNK = 2_000;

/** A contact.called body as the ingest writes it (record-ingestor.ts), ~300 bytes of JSON. */
function calledData(taskId: number, n: number, calledAt: string): string {
  const connected = n % 10 < 7;
  return JSON.stringify({
    taskId: String(taskId),
    contactId: String(100_000 + n),
    candidateRef: `cand-${100_000 + n}`,
    name: `候选人${n}`,
    phone: `+86139****${String(n % 10_000).padStart(4, '0')}`,
    attempt: 1,
    recordId: `rec_${String(taskId).padStart(6, '0')}_${String(n).padStart(6, '0')}`,
    callResult: connected ? 1 : 2,
    intention: connected ? 1 + (n % 4) : 0,
    failReason: connected ? null : 'no_answer',
    durationSec: connected ? 30 + (n % 150) : 0,
    calledAt,
    recordingUrl: connected
      ? `https://recordings.robot-call.invalid/r/${String(taskId).padStart(6, '0')}${String(n).padStart(8, '0')}`
      : null,
    transcript: null,
    summary: connected ? 'Candidate answered; asked about the shift.' : null,
  });
}

/**
 * N `contact.called` events in the outbox, not yet positioned (as committed by the ingest), over `tasks` tasks
 * with per-task sequences 1.., written in blocks of `block` consecutive events per task, round-robin over the
 * tasks. Multi-row inserts of SEED_CHUNK rows. Returns the size of one event's data (bytes).
 */
async function seedEvents(ctx: SectionContext, events: number, tasks: number, block: number): Promise<number> {
  const sequence = new Map<number, number>();
  const calledAt = new Date().toISOString();
  let bytes = 0;
  for (let a = 0; a < events; a += SEED_CHUNK) {
    const rows: unknown[][] = [];
    for (let i = a; i < Math.min(events, a + SEED_CHUNK); i++) {
      const taskId = 1 + (Math.floor(i / block) % tasks);
      const seq = (sequence.get(taskId) ?? 0) + 1;
      sequence.set(taskId, seq);
      const data = calledData(taskId, i + 1, calledAt);
      bytes = Buffer.byteLength(data);
      rows.push(['contact.called', BENCH_FIRM, taskId, seq, data, new Date()]);
    }
    await ctx.db.pool.query(
      'INSERT INTO ai_visitor_event (type, firm_id, task_id, sequence, data, created_at) VALUES ?',
      [rows],
    );
  }
  return bytes;
}

/** Accumulates the wall time of `obj[method]` into `into[key]`. */
function timePhase<T extends object>(
  obj: T,
  method: keyof T & string,
  into: Record<string, number>,
  key: string,
): void {
  const original = (obj as Record<string, (...args: unknown[]) => Promise<unknown>>)[method].bind(obj);
  (obj as Record<string, unknown>)[method] = async (...args: unknown[]) => {
    const t0 = nowMs();
    try {
      return await original(...args);
    } finally {
      into[key] += nowMs() - t0;
    }
  };
}

/**
 * Delivery rate with one worker: N events already in the outbox, one enabled endpoint (every firm, contact.called)
 * on a local receiver that verifies each signature, and the relay of the real worker module (compiled in this
 * process) run round after round as the worker's EventsRelayLoop runs it (the next round at once after a busy
 * one, EVENTS_RELAY_INTERVAL_MS after an idle one) until the receiver holds every event.
 */
export async function runDelivery(ctx: SectionContext): Promise<DeliveryResult> {
  const { db, config } = ctx;
  const { events, tasks, block, timeoutS } = config.delivery;
  // No platform is called: the relay never talks to the robot-call platform.
  setAppEnv(db, 'http://127.0.0.1:9', {});
  const receiver = new WebhookReceiver(false);
  const url = await receiver.start();
  ctx.onCleanup(() => receiver.close());
  const worker: TestingModule = await Test.createTestingModule({
    imports: [WorkerModule.forRoot({ scheduled: false })],
  }).compile();
  worker.useLogger(['error']);
  await worker.init();
  const settings = worker.get<EventsSettings>(eventsConfig.KEY);
  const phase = { sequence: 0, fanOut: 0, deliver: 0 };
  timePhase(worker.get(EventSequencer, { strict: false }), 'sequence', phase, 'sequence');
  timePhase(worker.get(WebhookFanout, { strict: false }), 'fanOut', phase, 'fanOut');
  timePhase(worker.get(WebhookDeliverer, { strict: false }), 'deliverDue', phase, 'deliver');
  const inside = { claim: 0, post: 0, markDelivered: 0, recordSuccess: 0 };
  timePhase(worker.get(DeliveryRepository, { strict: false }), 'claim', inside, 'claim');
  timePhase(worker.get(WebhookSender, { strict: false }), 'post', inside, 'post');
  timePhase(worker.get(DeliveryRepository, { strict: false }), 'markDelivered', inside, 'markDelivered');
  timePhase(worker.get(WebhookRepository, { strict: false }), 'recordSuccess', inside, 'recordSuccess');
  const relay = worker.get(RunRelayRound, { strict: false });
  const perRep: DeliveryRep[] = [];
  let dataBytes = 0;
  try {
    for (let rep = 0; rep < config.repsExpensive; rep++) {
      await truncateAll(db.pool);
      receiver.reset();
      const registered = await worker
        .get(RegisterWebhook, { strict: false })
        .execute({ url, eventTypes: ['contact.called'] });
      receiver.setSecret(registered.secret);
      dataBytes = await seedEvents(ctx, events, tasks, config.delivery.block);
      Object.assign(phase, { sequence: 0, fanOut: 0, deliver: 0 });
      Object.assign(inside, { claim: 0, post: 0, markDelivered: 0, recordSuccess: 0 });

      const dbCpu0 = localDatabaseCpuMs();
      const cpu0 = process.cpuUsage();
      const start = nowMs();
      const startWall = Date.now();
      const deadline = start + timeoutS * 1000;
      let rounds = 0;
      await profiled(`delivery-rep${rep + 1}`, async () => {
        // As EventsRelayLoop: at once after a round that found work, the interval after an idle one.
        while (nowMs() < deadline) {
          const summary: RelayRoundSummary = await relay.execute();
          rounds++;
          const busy = summary.sequenced > 0 || summary.fannedOut > 0 || summary.claimed > 0;
          if (!busy && receiver.counts.unique >= events) break;
          if (!busy) await sleep(settings.relayIntervalMs);
        }
      });
      const cpu = process.cpuUsage(cpu0);
      const dbCpu1 = localDatabaseCpuMs();
      const ms = receiver.lastAt ? receiver.lastAt - startWall : nowMs() - start;
      const deliveredRows = await scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_webhook_delivery WHERE status = 1');
      const c = receiver.counts;
      const r: DeliveryRep = {
        events,
        ms: round(ms, 0),
        eventsPerSec: round(c.unique / (ms / 1000), 0),
        rounds,
        received: c.unique,
        duplicates: c.duplicates,
        badSignature: c.badSignature,
        outOfOrder: c.outOfOrder,
        deliveredRows,
        complete: c.unique === events && deliveredRows === events && c.badSignature === 0 && c.outOfOrder === 0,
        phaseMs: {
          sequence: round(phase.sequence, 0),
          fanOut: round(phase.fanOut, 0),
          deliver: round(phase.deliver, 0),
        },
        insideDeliverMs: {
          claim: round(inside.claim, 0),
          post: round(inside.post, 0),
          markDelivered: round(inside.markDelivered, 0),
          recordSuccess: round(inside.recordSuccess, 0),
        },
        cpu: {
          benchMs: round((cpu.user + cpu.system) / 1000, 0),
          databaseMs: dbCpu0 !== undefined && dbCpu1 !== undefined ? dbCpu1 - dbCpu0 : undefined,
        },
      };
      perRep.push(r);
      log(
        `delivery: rep ${rep + 1}/${config.repsExpensive}: ${c.unique}/${events} events in ${(ms / 1000).toFixed(1)} s = ${r.eventsPerSec}/s; ` +
          `${rounds} rounds; duplicates ${c.duplicates}, bad signatures ${c.badSignature}, out of order ${c.outOfOrder}; ` +
          `steps: sequence ${r.phaseMs.sequence} ms, fan-out ${r.phaseMs.fanOut} ms, deliver ${r.phaseMs.deliver} ms ` +
          `(claim ${r.insideDeliverMs.claim} ms; over the lanes: POST ${r.insideDeliverMs.post} ms, mark ${r.insideDeliverMs.markDelivered} ms, ` +
          `endpoint success ${r.insideDeliverMs.recordSuccess} ms); ` +
          `CPU: bench ${r.cpu.benchMs} ms, database ${r.cpu.databaseMs ?? '?'} ms`,
      );
    }
  } finally {
    await worker.close();
    await receiver.close();
    await truncateAll(db.pool);
  }
  return {
    how:
      'in-process: the real WorkerModule compiled in the bench process, RunRelayRound run back to back as EventsRelayLoop does; ' +
      'the receiver (node:http, verifying X-AIV-Signature) in the same process',
    events,
    tasks,
    block,
    dataBytes,
    relayIntervalMs: settings.relayIntervalMs,
    perRep,
    eventsPerSec: median(perRep.map((r) => r.eventsPerSec)),
    allComplete: perRep.every((r) => r.complete),
    duplicates: perRep.reduce((n, r) => n + r.duplicates, 0),
  };
}
