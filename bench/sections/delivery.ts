import { Test, TestingModule } from '@nestjs/testing';
import { join } from 'path';
import { Agent, request } from 'http';
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
import { deliveryHeaders } from '../../libs/events/src/webhooks/domain/signature';
import { BENCH_FIRM, scalar, truncateAll } from '../lib/db';
import { WebhookReceiver } from '../lib/receiver';
import { appEnv, SectionContext, setAppEnv } from '../lib/context';
import { AppBuild, LogSummary, REPO, SpawnedChild, spawnNode, summarizeLog } from '../lib/children';
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

/** One run of the relay in worker processes (bench/children/relay-child.js) over the backlog. */
export interface WorkersRun {
  rep: number;
  workers: number;
  events: number;
  /** From `go` to the receiver holding the last event. */
  ms: number;
  eventsPerSec: number;
  /** Per worker: relay rounds, deliveries claimed, POSTs not recorded, CPU (ms). */
  perWorker: { rounds: number; claimed: number; unrecorded: number; cpuMs: number }[];
  received: number;
  duplicates: number;
  badSignature: number;
  outOfOrder: number;
  deliveredRows: number;
  complete: boolean;
  /** CPU (ms) of the bench process (the receiver alone) and of the local database server over the span. */
  cpu: { receiverMs: number; databaseMs?: number };
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
  /**
   * The baseline, measured before each in-process repetition: the same number of signed bodies of the same size
   * POSTed to the same receiver by a bare loop (node:http, keep-alive, BARE_LANES at once) with no database: what
   * this process and this receiver can carry. Median events/s, and the relay's rate over it per repetition.
   */
  bare: { eventsPerSec: number; perRep: number[]; lanes: number };
  ratioToBare: number;
  /** The relay in 1 and in 2 worker processes over the same backlog (receiver in the bench process). */
  workers: {
    how: string;
    runs: WorkersRun[];
    oneWorkerPerSec: number;
    twoWorkersPerSec: number;
    /** Per repetition, 2 workers' rate over 1 worker's, median. */
    twoOverOne: number;
    allComplete: boolean;
    duplicates: number;
    unrecorded: number;
    logs: LogSummary[];
  };
}

const SEED_CHUNK = 2_000;
/** POSTs in flight at once in the bare baseline: the relay's CONCURRENCY (WebhookDeliverer). */
const BARE_LANES = 20;

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

/**
 * The baseline: `events` bodies shaped as the relay sends them (the event view of a `contact.called`, same tasks
 * and per-task sequences), each signed as the relay signs (deliveryHeaders), POSTed to the receiver BARE_LANES at
 * a time over keep-alive connections, each task's events in order. No database. Events/s.
 */
async function barePosts(url: string, secret: string, events: number, tasks: number, block: number): Promise<number> {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: BARE_LANES });
  const calledAt = new Date().toISOString();
  // Per task, its events in sequence order: a lane takes a task's next event only after its previous one is answered.
  const byTask = new Map<number, number[]>();
  for (let i = 0; i < events; i++) {
    const taskId = 1 + (Math.floor(i / block) % tasks);
    (byTask.get(taskId) ?? byTask.set(taskId, []).get(taskId)!).push(i);
  }
  const queues = [...byTask.entries()];
  const post = (i: number, taskId: number, sequence: number) => {
    const id = `evt_bare${i + 1}`;
    const body = JSON.stringify({
      id,
      type: 'contact.called',
      createdAt: calledAt,
      firmId: String(BENCH_FIRM),
      taskId: String(taskId),
      sequence,
      position: String(i + 1),
      data: JSON.parse(calledData(taskId, i + 1, calledAt)) as unknown,
    });
    const headers = deliveryHeaders([secret], id, Math.floor(Date.now() / 1000), body);
    const payload = Buffer.from(body);
    return new Promise<void>((resolve, reject) => {
      const req = request(
        target,
        {
          method: 'POST',
          agent,
          headers: { 'Content-Type': 'application/json', 'Content-Length': String(payload.length), ...headers },
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  };
  const start = nowMs();
  let nextTask = 0;
  await Promise.all(
    Array.from({ length: BARE_LANES }, async () => {
      while (nextTask < queues.length) {
        const [taskId, items] = queues[nextTask++];
        for (let k = 0; k < items.length; k++) await post(items[k], taskId, k + 1);
      }
    }),
  );
  const ms = nowMs() - start;
  agent.destroy();
  return events / (ms / 1000);
}

/** A relay worker process (bench/children/relay-child.js) and its messages, in order. */
interface RelayChild {
  proc: SpawnedChild;
  next(): Promise<Record<string, unknown>>;
}

function relayChild(proc: SpawnedChild): RelayChild {
  const queue: Record<string, unknown>[] = [];
  const waiters: ((m: Record<string, unknown>) => void)[] = [];
  const deliver = (m: Record<string, unknown>) => {
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  };
  proc.child.on('message', deliver);
  proc.child.on('exit', (code) => {
    const m = { type: 'failed', message: `relay worker exited with ${code}; see ${proc.logFile}` };
    for (const w of waiters.splice(0)) w(m);
    queue.push(m);
  });
  return {
    proc,
    next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((resolve) => waiters.push(resolve))),
  };
}

async function expectMessage(child: RelayChild, type: string, ms: number): Promise<Record<string, unknown>> {
  let timer: NodeJS.Timeout | undefined;
  const m = await Promise.race([
    child.next(),
    new Promise<Record<string, unknown>>(
      (resolve) => (timer = setTimeout(() => resolve({ type: 'failed', message: `no ${type} within ${ms} ms` }), ms)),
    ),
  ]).finally(() => clearTimeout(timer));
  if (m.type !== type) throw new Error(`relay worker: ${String(m.message ?? m.type)}`);
  return m;
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
export async function runDelivery(ctx: SectionContext, build: AppBuild): Promise<DeliveryResult> {
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
  const barePerRep: number[] = [];
  let dataBytes = 0;
  /** A fresh backlog: tables emptied, the endpoint registered (the receiver given its secret), the events seeded. */
  const freshBacklog = async (): Promise<string> => {
    await truncateAll(db.pool);
    receiver.reset();
    const registered = await worker
      .get(RegisterWebhook, { strict: false })
      .execute({ url, eventTypes: ['contact.called'] });
    receiver.setSecret(registered.secret);
    dataBytes = await seedEvents(ctx, events, tasks, config.delivery.block);
    return registered.secret;
  };
  const workerRuns: WorkersRun[] = [];
  const children: RelayChild[] = [];
  try {
    for (let rep = 0; rep < config.repsExpensive; rep++) {
      const secret = await freshBacklog();
      const bare = await barePosts(url, secret, events, tasks, config.delivery.block);
      barePerRep.push(round(bare, 0));
      log(
        `delivery: rep ${rep + 1}/${config.repsExpensive}: baseline (bare POSTs, no database): ${round(bare, 0)}/s; ` +
          `received ${receiver.counts.unique}, bad signatures ${receiver.counts.badSignature}, out of order ${receiver.counts.outOfOrder}`,
      );
      receiver.reset();
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

    // The same backlog delivered by worker processes, 1 then 2, the receiver alone in this process.
    const env = appEnv(db, 'http://127.0.0.1:9', { LOG_LEVEL: 'warn' });
    for (let i = 0; i < 2; i++) {
      const proc = spawnNode(
        build,
        join(REPO, 'bench', 'children', 'relay-child.js'),
        [],
        env,
        join(ctx.tmpDir, `delivery-worker-${i + 1}.log`),
        true,
      );
      ctx.onCleanup(() => proc.kill());
      children.push(relayChild(proc));
    }
    for (const child of children) await expectMessage(child, 'ready', 180_000);
    for (let rep = 0; rep < config.repsExpensive; rep++) {
      for (const count of [1, 2]) {
        await freshBacklog();
        const active = children.slice(0, count);
        const dbCpu0 = localDatabaseCpuMs();
        const cpu0 = process.cpuUsage();
        const goWall = Date.now();
        const deadline = nowMs() + timeoutS * 1000;
        for (const child of active) child.proc.child.send({ type: 'go' });
        while (receiver.counts.unique < events && nowMs() < deadline) await sleep(10);
        for (const child of active) child.proc.child.send({ type: 'stop' });
        const done = await Promise.all(active.map((child) => expectMessage(child, 'done', 120_000)));
        const cpu = process.cpuUsage(cpu0);
        const dbCpu1 = localDatabaseCpuMs();
        const ms = (receiver.lastAt || Date.now()) - goWall;
        const deliveredRows = await scalar(
          db.pool,
          'SELECT COUNT(*) FROM ai_visitor_webhook_delivery WHERE status = 1',
        );
        const c = receiver.counts;
        const run: WorkersRun = {
          rep: rep + 1,
          workers: count,
          events,
          ms,
          eventsPerSec: round(c.unique / (ms / 1000), 0),
          perWorker: done.map((d) => ({
            rounds: Number(d.rounds),
            claimed: Number(d.claimed),
            unrecorded: Number(d.unrecorded),
            cpuMs: Number(d.cpuMs),
          })),
          received: c.unique,
          duplicates: c.duplicates,
          badSignature: c.badSignature,
          outOfOrder: c.outOfOrder,
          deliveredRows,
          complete: c.unique === events && deliveredRows === events && c.badSignature === 0 && c.outOfOrder === 0,
          cpu: {
            receiverMs: round((cpu.user + cpu.system) / 1000, 0),
            databaseMs: dbCpu0 !== undefined && dbCpu1 !== undefined ? dbCpu1 - dbCpu0 : undefined,
          },
        };
        workerRuns.push(run);
        log(
          `delivery: rep ${rep + 1}/${config.repsExpensive}, ${count} worker process${count > 1 ? 'es' : ''}: ` +
            `${c.unique}/${events} events in ${(ms / 1000).toFixed(1)} s = ${run.eventsPerSec}/s; ` +
            `duplicates ${c.duplicates}, bad signatures ${c.badSignature}, out of order ${c.outOfOrder}, delivered rows ${deliveredRows}; ` +
            `per worker (rounds / claimed / unrecorded / CPU ms): ${run.perWorker.map((w) => `${w.rounds} / ${w.claimed} / ${w.unrecorded} / ${w.cpuMs}`).join('; ')}; ` +
            `CPU: receiver ${run.cpu.receiverMs} ms, database ${run.cpu.databaseMs ?? '?'} ms`,
        );
      }
    }
  } finally {
    for (const child of children) child.proc.child.send({ type: 'exit' });
    await Promise.all(children.map((child) => Promise.race([child.proc.exited, sleep(15_000)])));
    await Promise.all(children.map((child) => child.proc.kill()));
    await worker.close();
    await receiver.close();
    await truncateAll(db.pool);
  }
  const rateOf = (count: number) => median(workerRuns.filter((r) => r.workers === count).map((r) => r.eventsPerSec));
  const twoOverOne = median(
    [...new Set(workerRuns.map((r) => r.rep))].flatMap((rep) => {
      const one = workerRuns.find((r) => r.rep === rep && r.workers === 1);
      const two = workerRuns.find((r) => r.rep === rep && r.workers === 2);
      return one && two ? [two.eventsPerSec / one.eventsPerSec] : [];
    }),
  );
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
    bare: { eventsPerSec: median(barePerRep), perRep: barePerRep, lanes: BARE_LANES },
    ratioToBare: round(median(perRep.map((r, i) => r.eventsPerSec / barePerRep[i])), 2),
    workers: {
      how:
        'child processes: bench/children/relay-child.js boots the compiled WorkerModule once and runs RunRelayRound as EventsRelayLoop does; ' +
        'the receiver alone in the bench process; 1 worker then 2 over a fresh copy of the same backlog, each repetition',
      runs: workerRuns,
      oneWorkerPerSec: rateOf(1),
      twoWorkersPerSec: rateOf(2),
      twoOverOne: round(twoOverOne, 2),
      allComplete: workerRuns.every((r) => r.complete),
      duplicates: workerRuns.reduce((n, r) => n + r.duplicates, 0),
      unrecorded: workerRuns.reduce((n, r) => n + r.perWorker.reduce((m, w) => m + w.unrecorded, 0), 0),
      logs: children.map((child) => summarizeLog(child.proc.logFile)),
    },
  };
}
