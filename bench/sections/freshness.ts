import { loadavg } from 'os';
import { join } from 'path';
import { CallResultPusher } from '../../apps/robot-call-simulator/src/push/call-result-pusher.service';
import { BENCH_ACCOUNT, BENCH_FIRM, scalar, seedContacts, seedFirmBot, seedTasks, truncateAll } from '../lib/db';
import { BenchSimulator } from '../lib/simulator';
import { AppBuild, waitLive, LogSummary, spawnNode, summarizeLog } from '../lib/children';
import { ADMIN_TOKEN, appEnv, SectionContext, SERVICE_TOKEN } from '../lib/context';
import { WebhookReceiver } from '../lib/receiver';
import { OtlpSink, startOtlpSink } from '../lib/otlp-sink';
import {
  localDatabaseCpuMs,
  log,
  mapLimit,
  percentile,
  processCpuMs,
  round,
  sleep,
  waitFor,
  freePort,
} from '../lib/util';
import { WORKER_HEAP_FLAG } from './scale';

export interface FreshnessResult {
  how: string;
  /** Tracing on in the API and the worker (BENCH_OTEL=1's second run), exporting to an OTLP sink in this process. */
  tracing: boolean;
  /** Spans the sink received, and its export requests (tracing on). */
  spans?: { spans: number; requests: number };
  /** Tracing on: spans received ÷ records stored, by `<service> <instrumentation> <span name>` (what a push makes). */
  spansPerRecord?: Record<string, number>;
  build: AppBuild['kind'];
  durationS: number;
  tasks: number;
  contactsPerTask: number;
  parallelism: number;
  callMs: number;
  pushBatchMs: number;
  relayIntervalMs: string;
  /** tasks × parallelism ÷ call time: the rate the simulator dials (and pushes) at once every task runs. */
  targetRatePerSec: number;
  /** Records the simulator made ÷ the span between the first and the last call's end. */
  pushedRatePerSec: number;
  /** Freshness (ms): the receiver's arrival time − the moment the simulator ended the call (appended its record). */
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /**
   * The two legs (p50 / p99, ms): call end → the API committed the event (its `createdAt`, the API's clock on this
   * machine: the push and the ingest), and that → the receiver holds it (the worker's relay and the POST).
   */
  ingestLegMs: { p50: number; p99: number };
  relayLegMs: { p50: number; p99: number };
  /** Check: arrival − (data.calledAt + callMs); calledAt is when the call was placed, and it ends callMs later. */
  p50FromCalledAtMs: number;
  p99FromCalledAtMs: number;
  recordsMade: number;
  recordsStored: number;
  /** Distinct contact.called events the receiver accepted (signature verified). */
  received: number;
  /** Received contact.called whose call end the bench did not see (must be 0). */
  unmatched: number;
  duplicates: number;
  outOfOrder: number;
  badSignature: number;
  push: Record<string, unknown>;
  /**
   * The API's group commit (its `aiv_push_pushes_per_transaction` histogram): transactions that stored pushed
   * results, the pushes they answered, and pushes per transaction.
   */
  coalescing?: { transactions: number; pushes: number; perTransaction: number };
  /**
   * CPU (ms) over the run of this process (simulator, receiver, OTLP sink), of the local database, and of the API
   * and the worker processes.
   */
  cpu: { benchMs: number; databaseMs?: number; apiMs?: number; workerMs?: number };
  loadAverage: { start: number[]; end: number[] };
  apiLog: LogSummary;
  workerLog: LogSummary;
}

/**
 * Freshness of the webhook path, end to end with real processes: the robot-call simulator (in this process)
 * pushes each finished call's record, signed, to the real API process's callback; the API stores it and writes
 * `contact.called` to the outbox in that transaction; the real worker process (`main.js`, its relay loop every
 * EVENTS_RELAY_INTERVAL_MS) sequences, fans out and POSTs it to a receiver in this process. Freshness = when the
 * receiver holds the event − when the simulator ended the call: both times are Date.now() of this process.
 */
export async function runFreshness(
  ctx: SectionContext,
  build: AppBuild,
  options: { tracing?: boolean } = {},
): Promise<FreshnessResult> {
  const { db, config } = ctx;
  const tracing = options.tracing ?? false;
  const name = tracing ? 'freshness (tracing on)' : 'freshness';
  // Tracing on: the API and the worker export their spans to this sink (counted, not kept), as to a collector.
  const sink: OtlpSink | undefined = tracing ? await startOtlpSink({ keep: false }) : undefined;
  if (sink) ctx.onCleanup(() => sink.close());
  const otelEnv: Record<string, string> = sink ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint } : {};
  const { durationS, tasks, parallelism, callMs, pushBatchMs, drainS } = config.freshness;
  const contactsPerTask = Math.max(1, Math.round((parallelism * durationS * 1000) / callMs));
  const targetRatePerSec = (tasks * parallelism * 1000) / callMs;
  const callbackSecret = appEnv(db, '').ROBOT_CALL_CALLBACK_SECRET;

  await truncateAll(db.pool);
  const apiPort = await freePort();
  const workerPort = await freePort();
  const apiBase = `http://127.0.0.1:${apiPort}`;
  const simulator = await BenchSimulator.start({
    callMs,
    parallelism,
    pushUrl: `${apiBase}/v1/callbacks/robot-call`,
    pushSecret: callbackSecret,
    pushBatchMs,
  });
  ctx.onCleanup(() => simulator.close().catch(() => undefined));
  // The moment each call ends: the simulator appends its record and hands it to the pusher (exact, this clock).
  const endedAt = new Map<string, number>();
  const pusher = simulator.running.app.get(CallResultPusher);
  const recorded = pusher.recorded.bind(pusher);
  pusher.recorded = (campaignId, record) => {
    endedAt.set(record.recordId, Date.now());
    recorded(campaignId, record);
  };
  const receiver = new WebhookReceiver(true);
  const receiverUrl = await receiver.start();
  ctx.onCleanup(() => receiver.close());

  await seedFirmBot(db.pool, BENCH_FIRM, tasks);
  // Not started: the API's start opens each task's one campaign (batch = all its contacts) on the simulator.
  await seedTasks(db, {
    firstId: 1,
    count: tasks,
    status: 1,
    batchSize: contactsPerTask,
    maxAttempts: 2,
    retryGapMinutes: 60,
  });
  await seedContacts(db, { firstTaskId: 1, tasks, perTask: contactsPerTask, status: 1 });

  // The sync's crons stay off (appEnv): the records come by push only, the path whose freshness is measured.
  const logLevel = process.env.BENCH_FRESHNESS_LOG_LEVEL || 'warn';
  const apiLogFile = join(ctx.tmpDir, 'freshness-api.log');
  const workerLogFile = join(ctx.tmpDir, 'freshness-worker.log');
  const api = spawnNode(
    build,
    join(build.dir, 'apps/api/src/main.js'),
    [],
    appEnv(db, simulator.baseUrl, { API_PORT: String(apiPort), LOG_LEVEL: logLevel, ...otelEnv }),
    apiLogFile,
  );
  ctx.onCleanup(() => api.kill());
  const workerEnv = appEnv(db, simulator.baseUrl, {
    WORKER_PORT: String(workerPort),
    LOG_LEVEL: logLevel,
    ...otelEnv,
    NODE_OPTIONS: [process.env.NODE_OPTIONS, WORKER_HEAP_FLAG].filter(Boolean).join(' '),
  });
  const worker = spawnNode(build, join(build.dir, 'apps/worker/src/main.js'), [], workerEnv, workerLogFile);
  ctx.onCleanup(() => worker.kill());
  try {
    await waitLive(`${apiBase}/health/live`, api, apiLogFile, 'the API');
    await waitLive(`http://127.0.0.1:${workerPort}/health/live`, worker, workerLogFile, 'the worker');
    log(
      `${name}: API and worker up (${build.kind} build); registering the endpoint, starting ${tasks} tasks of ${contactsPerTask} contacts`,
    );

    const registered = await fetch(`${apiBase}/v1/admin/webhooks`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: receiverUrl, eventTypes: ['contact.called'] }),
    });
    const body = (await registered.json()) as { secret?: string; data?: { secret?: string } };
    const secret = body.secret ?? body.data?.secret;
    if (registered.status !== 201 || !secret)
      throw new Error(`registering the webhook answered ${registered.status}: ${JSON.stringify(body).slice(0, 300)}`);
    receiver.setSecret(secret);

    const cpu0 = process.cpuUsage();
    const dbCpu0 = localDatabaseCpuMs();
    const apiCpu0 = processCpuMs(api.child.pid);
    const workerCpu0 = processCpuMs(worker.child.pid);
    const load0 = loadavg().map((x) => round(x, 2));
    const headers = {
      Authorization: `Bearer ${SERVICE_TOKEN}`,
      'X-Firm-Id': String(BENCH_FIRM),
      'X-Account-Id': String(BENCH_ACCOUNT),
    };
    await mapLimit(
      Array.from({ length: tasks }, (_, i) => i + 1),
      4,
      async (id) => {
        const res = await fetch(`${apiBase}/v1/tasks/${id}/start`, { method: 'POST', headers });
        if (!res.ok) throw new Error(`start of task ${id} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      },
    );
    log(`${name}: ${tasks} tasks started; the simulator dials ~${targetRatePerSec}/s for ~${durationS} s`);
    await simulator.waitAllFinished((durationS * 3 + 60) * 1000);
    const made = endedAt.size;
    // Drain: until the receiver holds an event for every record the API stored, the simulator's pushes are
    // all finished, and the stored count no longer moves.
    let stored = 0;
    await waitFor(
      'the receiver to hold every contact.called',
      drainS * 1000,
      async () => {
        const push = (await (
          await fetch(`${simulator.baseUrl}/_simulator/push`, {
            headers: { Authorization: `Bearer ${simulator.running.apiKey}` },
          })
        ).json()) as { data: { pending: number } };
        stored = await scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_call_record');
        return push.data.pending === 0 && stored >= made && receiver.counts.unique >= stored ? true : undefined;
      },
      250,
    ).catch((e: Error) =>
      log(`${name}: WARNING ${e.message} (stored ${stored} of ${made}, received ${receiver.counts.unique})`),
    );
    await sleep(500); // a late duplicate, if any, is counted
    const cpu = process.cpuUsage(cpu0);
    const dbCpu1 = localDatabaseCpuMs();
    const apiCpu1 = processCpuMs(api.child.pid);
    const workerCpu1 = processCpuMs(worker.child.pid);
    const load1 = loadavg().map((x) => round(x, 2));
    stored = await scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_call_record');
    const push = (
      (await (
        await fetch(`${simulator.baseUrl}/_simulator/push`, {
          headers: { Authorization: `Bearer ${simulator.running.apiKey}` },
        })
      ).json()) as { data: Record<string, unknown> }
    ).data;

    const coalescing = await pushCoalescing(apiBase);

    const fresh: number[] = [];
    const fromCalledAt: number[] = [];
    const ingestLeg: number[] = [];
    const relayLeg: number[] = [];
    let unmatched = 0;
    for (const a of receiver.arrivals) {
      if (a.type !== 'contact.called') continue;
      const end = endedAt.get(String(a.data.recordId));
      if (end === undefined) {
        unmatched++;
        continue;
      }
      fresh.push(a.at - end);
      const created = Date.parse(a.createdAt);
      if (Number.isFinite(created)) {
        ingestLeg.push(created - end);
        relayLeg.push(a.at - created);
      }
      fromCalledAt.push(a.at - (Date.parse(String(a.data.calledAt)) + callMs));
    }
    const ends = [...endedAt.values()];
    const span = (Math.max(...ends) - Math.min(...ends)) / 1000;
    const c = receiver.counts;
    const result: FreshnessResult = {
      how:
        'child processes: node <build>/apps/api/src/main.js and node <build>/apps/worker/src/main.js (cron sync off, relay loop on); ' +
        'the simulator (pushing each record to the API callback) and the receiver in the bench process',
      tracing,
      spans: sink ? { ...sink.counts } : undefined,
      spansPerRecord: sink
        ? Object.fromEntries(
            [...sink.byName]
              .sort((a, b) => b[1] - a[1])
              .map(([key, count]) => [key, round(count / Math.max(stored, 1), 2)]),
          )
        : undefined,
      build: build.kind,
      durationS,
      tasks,
      contactsPerTask,
      parallelism,
      callMs,
      pushBatchMs,
      relayIntervalMs: process.env.EVENTS_RELAY_INTERVAL_MS ?? '200 (default)',
      targetRatePerSec,
      pushedRatePerSec: round(made / Math.max(span, 0.001), 0),
      p50Ms: percentile(fresh, 50),
      p90Ms: percentile(fresh, 90),
      p99Ms: percentile(fresh, 99),
      maxMs: percentile(fresh, 100),
      ingestLegMs: { p50: percentile(ingestLeg, 50), p99: percentile(ingestLeg, 99) },
      relayLegMs: { p50: percentile(relayLeg, 50), p99: percentile(relayLeg, 99) },
      p50FromCalledAtMs: percentile(fromCalledAt, 50),
      p99FromCalledAtMs: percentile(fromCalledAt, 99),
      recordsMade: made,
      recordsStored: stored,
      received: fresh.length + unmatched,
      unmatched,
      duplicates: c.duplicates,
      outOfOrder: c.outOfOrder,
      badSignature: c.badSignature,
      push,
      coalescing,
      cpu: {
        benchMs: round((cpu.user + cpu.system) / 1000, 0),
        databaseMs: dbCpu0 !== undefined && dbCpu1 !== undefined ? dbCpu1 - dbCpu0 : undefined,
        apiMs: apiCpu0 !== undefined && apiCpu1 !== undefined ? apiCpu1 - apiCpu0 : undefined,
        workerMs: workerCpu0 !== undefined && workerCpu1 !== undefined ? workerCpu1 - workerCpu0 : undefined,
      },
      loadAverage: { start: load0, end: load1 },
      apiLog: summarizeLog(apiLogFile),
      workerLog: summarizeLog(workerLogFile),
    };
    log(
      `${name}: ${made} records made at ${result.pushedRatePerSec}/s, ${stored} stored, ${result.received} contact.called received ` +
        `(duplicates ${c.duplicates}, out of order ${c.outOfOrder}, bad signatures ${c.badSignature}, unmatched ${unmatched}); ` +
        `freshness p50 ${result.p50Ms} ms, p90 ${result.p90Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms ` +
        `(call end → event committed: p50 ${result.ingestLegMs.p50}, p99 ${result.ingestLegMs.p99}; → received: p50 ${result.relayLegMs.p50}, p99 ${result.relayLegMs.p99}) ` +
        `(from calledAt + callMs: p50 ${result.p50FromCalledAtMs}, p99 ${result.p99FromCalledAtMs}); ` +
        `${coalescing ? `${coalescing.pushes} pushes in ${coalescing.transactions} transactions (${coalescing.perTransaction} a transaction); ` : ''}` +
        `CPU API ${result.cpu.apiMs ?? '?'} ms, worker ${result.cpu.workerMs ?? '?'} ms, database ${result.cpu.databaseMs ?? '?'} ms; ` +
        `${sink ? `${sink.counts.spans} spans exported in ${sink.counts.requests} requests; ` : ''}load ${load0.join('/')} → ${load1.join('/')}`,
    );
    if (result.spansPerRecord)
      log(
        `${name}: spans a stored record: ${Object.entries(result.spansPerRecord)
          .map(([key, n]) => `${key} ${n}`)
          .join('; ')}`,
      );
    return result;
  } finally {
    await Promise.all([api.kill(), worker.kill()]);
    await simulator.close().catch(() => undefined);
    await receiver.close();
    await sink?.close();
    await truncateAll(db.pool);
  }
}

/** The API's push group commit, from its `/metrics`; undefined when it cannot be read. */
export async function pushCoalescing(apiBase: string): Promise<FreshnessResult['coalescing']> {
  try {
    const text = await (await fetch(`${apiBase}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name}\\s+(\\S+)$`, 'm').exec(text)?.[1]);
    const transactions = value('aiv_push_pushes_per_transaction_count');
    const pushes = value('aiv_push_pushes_per_transaction_sum');
    if (!Number.isFinite(transactions) || !Number.isFinite(pushes)) return undefined;
    return { transactions, pushes, perTransaction: round(pushes / Math.max(transactions, 1), 2) };
  } catch {
    return undefined;
  }
}
