import { cpus, loadavg } from 'os';
import { join } from 'path';
import { RowDataPacket } from 'mysql2/promise';
import { BENCH_ACCOUNT, scalar, seedContacts, seedFirmBot, seedTasks, truncateAll } from '../lib/db';
import { AppBuild, LogSummary, spawnNode, summarizeLog, waitLive } from '../lib/children';
import { ADMIN_TOKEN, appEnv, SectionContext, SERVICE_TOKEN } from '../lib/context';
import { WebhookReceiver } from '../lib/receiver';
import { SimulatorProbe, SimulatorProcess } from '../lib/system-simulator';
import { highestHeld, nextLoad, Point, SearchPlan, Trend, Trial, trendOverLastHalf } from '../lib/load-search';
import { freePort, localDatabaseCpuMs, log, mapLimit, percentile, processCpuMs, round, sleep } from '../lib/util';
import { pushCoalescing } from './freshness';
import { WORKER_HEAP_FLAG } from './scale';

/** Freshness target (ms), and the age past which a result not stored or a campaign end not followed is "behind". */
export const SYSTEM_P99_TARGET_MS = 2000;
const BEHIND_AFTER_MS = 2000;
/** A backlog of items may gain at most this many seconds of the offered input over the last half of the load. */
const ALLOWED_GROWTH_S = 2;
/** Every result connected or failed once, none an "inconvenient now" callback: a task dials each contact once. */
const INTENTION_MIX = { 0: 0.1, 1: 0.3, 2: 0.5, 3: 0, 4: 0.1 };

/** CPU time (ms) of each process, read at one moment. */
interface CpuReading {
  api?: number;
  worker?: number;
  simulator?: number;
  database?: number;
  bench: number;
}

/** One look at the system while it runs (every BENCH_SYSTEM_SAMPLE_MS). */
export interface SystemSample {
  /** Seconds since the first task was started. */
  t: number;
  phase: 'load' | 'drain';
  /** Pushes not finished at the simulator (gathering, in flight, waiting to be retried). */
  pendingPushes: number;
  /** Results made (calls ended) and stored (call records); their difference is the results not stored yet. */
  made: number;
  stored: number;
  resultsUnstored: number;
  /** Outbox rows not sequenced yet, events sequenced but not fanned out, deliveries pending: their sum. */
  unsequenced: number;
  unfanned: number;
  pendingDeliveries: number;
  undeliveredEvents: number;
  /**
   * Tasks behind: a result of their open campaign ended more than 2 s ago and is not stored, or the platform
   * finished their campaign more than 2 s ago and the service has not closed it (the rollover is late).
   */
  tasksBehind: number;
  tasksResultsBehind: number;
  tasksEndsBehind: number;
  /** Events the receiver accepted so far (signature verified, distinct). */
  received: number;
  inFlightCalls: number;
  /** CPU of each process so far (ms since the start of the load). */
  cpuMs: CpuReading;
  /** How long the sample's own queries took (they run on the same database). */
  sampleMs: number;
}

export interface CpuShare {
  ms: number;
  /** Of one core over the span. */
  percentOfCore: number;
}

export interface SystemTrial {
  firms: number;
  /** Results a second the simulator is asked for: firms × rate. */
  offeredPerSec: number;
  contactsPerTask: number;
  loadS: number;
  /** Results made during the load, ÷ its length. */
  madePerSec: number;
  made: number;
  stored: number;
  /** contact.called the receiver accepted; and every type it got. */
  received: number;
  receivedByType: Record<string, number>;
  duplicates: number;
  outOfOrder: number;
  badSignature: number;
  /** Received contact.called whose call end the simulator did not report (must be 0). */
  unmatched: number;
  /** Freshness (ms): the receiver holds a call's contact.called − the simulator ended the call; calls ended during the load. */
  freshness: { n: number; p50: number; p90: number; p99: number; max: number };
  /** The same per window of the load (by the call's end), to see it drift. */
  freshnessByWindow: { fromS: number; toS: number; n: number; p50: number; p99: number }[];
  /** Campaigns the service closed (each a campaign end followed by the next campaign or the task's end). */
  campaignsClosed: number;
  samples: SystemSample[];
  /** Samples that could not be taken (a part failed or timed out). */
  samplesMissed: number;
  trends: Record<'pendingPushes' | 'resultsUnstored' | 'undeliveredEvents' | 'tasksBehind', Trend>;
  growing: string[];
  /** The most each backlog held during the load. */
  backlogMax: { pendingPushes: number; resultsUnstored: number; undeliveredEvents: number; tasksBehind: number };
  /** CPU over the load (from the first start to the pause): each process, and their sum over the machine's cores. */
  cpu: {
    spanS: number;
    api?: CpuShare;
    worker?: CpuShare;
    database?: CpuShare;
    simulator?: CpuShare;
    bench: CpuShare;
    machineBusy: number;
  };
  /** Pausing every task through the API (the load goes on meanwhile), then draining; the drain is bounded. */
  drain: { pauseMs: number; ms: number; complete: boolean };
  coalescing?: { transactions: number; pushes: number; perTransaction: number };
  push: Record<string, unknown>;
  loadAverage: { start: number[]; end: number[] };
  /** Freshness p99 < 2 s, no backlog growing, and every result stored and its event received. */
  held: boolean;
  why: string[];
  apiLog: LogSummary;
  workerLog: LogSummary;
  simulatorLog: LogSummary;
}

export interface SystemResult {
  how: string;
  build: AppBuild['kind'];
  settings: {
    ratePerFirm: number;
    callMs: number;
    linesPerCampaign: number;
    batchSize: number;
    durationS: number;
    sampleMs: number;
    pushBatchMs: number;
    transcriptBytes: number;
    logLevel: string;
    cores: number;
  };
  trials: SystemTrial[];
  /** Full scale: the search and its answer. */
  search?: { plan: SearchPlan; highestHeld: number; stoppedBy: string; elapsedS: number };
}

/**
 * The system at the planned load (issue 23, item 4): N firms, each with its own BOT and one task started through
 * the API, dialled by the simulator at `ratePerFirm` results a second (calls of `callMs`) with every result pushed
 * to the API's callback; the worker runs its crons at their defaults and its relay, which POSTs every event to a
 * receiver here that verifies signatures. API, worker and simulator are processes of their own; the receiver and
 * the sampling are this one. See bench/README.md, "system".
 */
export async function runSystem(ctx: SectionContext, build: AppBuild): Promise<SystemResult> {
  const s = ctx.config.system;
  const logLevel = process.env.BENCH_SYSTEM_LOG_LEVEL || 'info';
  const settings = {
    ratePerFirm: s.ratePerFirm,
    callMs: s.callMs,
    callJitterPercent: s.callJitterPercent,
    linesPerCampaign: Math.max(1, Math.round((s.ratePerFirm * s.callMs) / 1000)),
    batchSize: s.batchSize,
    durationS: s.durationS,
    sampleMs: s.sampleMs,
    pushBatchMs: s.pushBatchMs,
    transcriptBytes: s.transcriptBytes,
    logLevel,
    cores: cpus().length,
  };
  const how =
    'child processes: node <build>/apps/api/src/main.js, node <build>/apps/worker/src/main.js (SYNC_CRON, SYNC_EDGE_CRON and the relay at their defaults) ' +
    'and bench/children/system-simulator-child.js (the simulator, pushing each record to the API callback); the webhook receiver (all event types) and the sampling in the bench process';
  const trials: SystemTrial[] = [];
  if (!s.search) {
    trials.push(await runTrial(ctx, build, s.firms, logLevel));
    return { how, build: build.kind, settings, trials };
  }
  const plan: SearchPlan = { ladder: s.ladder, resolution: s.resolution, maxTrials: s.maxTrials };
  const started = Date.now();
  let stoppedBy = 'search done';
  for (let n = nextLoad(trials, plan); n !== undefined; n = nextLoad(trials, plan)) {
    // A trial: the load, up to the drain bound, and about a minute of seeding, boot and teardown. The bound stops
    // the search before a trial that would pass it, never before the first (a search that tried nothing says nothing).
    const trialS = s.durationS + s.drainS + 60;
    if (trials.length > 0 && (Date.now() - started) / 1000 + trialS > s.searchMaxS) {
      stoppedBy = `time bound (BENCH_SYSTEM_SEARCH_MAX_S ${s.searchMaxS} s) before trying ${n} firms`;
      break;
    }
    try {
      trials.push(await runTrial(ctx, build, n, logLevel));
    } catch (error) {
      // The trials so far stand; a search that cannot go on says why.
      if (trials.length === 0) throw error;
      stoppedBy = `error at ${n} firms: ${(error as Error).message}`;
      log(`system: ${stoppedBy}`);
      break;
    }
  }
  if (trials.length >= plan.maxTrials) stoppedBy = `trial bound (BENCH_SYSTEM_MAX_TRIALS ${plan.maxTrials})`;
  const best = highestHeld(toTrials(trials));
  log(
    `system: highest load held ${best} firms (trials: ${trials.map((t) => `${t.firms} ${t.held ? 'held' : 'not held'}`).join(', ')}; ${stoppedBy})`,
  );
  return {
    how,
    build: build.kind,
    settings,
    trials,
    search: { plan, highestHeld: best, stoppedBy, elapsedS: round((Date.now() - started) / 1000, 0) },
  };
}

function toTrials(trials: SystemTrial[]): Trial[] {
  return trials.map((t) => ({ firms: t.firms, held: t.held }));
}

async function runTrial(ctx: SectionContext, build: AppBuild, firms: number, logLevel: string): Promise<SystemTrial> {
  const { db } = ctx;
  const s = ctx.config.system;
  const lines = Math.max(1, Math.round((s.ratePerFirm * s.callMs) / 1000));
  const offeredPerSec = firms * s.ratePerFirm;
  // Enough contacts that no task runs out before the load ends (rollovers take a little time), whole campaigns.
  const contactsPerTask = Math.ceil((s.ratePerFirm * s.durationS * 1.25) / s.batchSize) * s.batchSize;
  const callbackSecret = appEnv(db, '').ROBOT_CALL_CALLBACK_SECRET;
  const label = `system (${firms} firms)`;

  await truncateAll(db.pool);
  const apiPort = await freePort();
  const workerPort = await freePort();
  const apiBase = `http://127.0.0.1:${apiPort}`;
  const simLogFile = join(ctx.tmpDir, `system-${firms}-simulator.log`);
  const simulator = await SimulatorProcess.start(
    build,
    {
      callMs: s.callMs,
      callJitter: s.callJitterPercent / 100,
      parallelism: lines,
      pushUrl: `${apiBase}/v1/callbacks/robot-call`,
      pushSecret: callbackSecret,
      pushBatchMs: s.pushBatchMs,
      intentionMix: INTENTION_MIX,
      transcriptBytes: s.transcriptBytes,
    },
    simLogFile,
  );
  ctx.onCleanup(() => simulator.close().catch(() => undefined));

  // Freshness is computed from arrivals as they come: only what it needs is kept.
  const arrivals: [recordId: string, at: number][] = [];
  const receivedByType: Record<string, number> = {};
  const receiver = new WebhookReceiver(false);
  receiver.onArrival = (a) => {
    receivedByType[a.type] = (receivedByType[a.type] ?? 0) + 1;
    if (a.type === 'contact.called') arrivals.push([String(a.data.recordId), a.at]);
  };
  const receiverUrl = await receiver.start();
  ctx.onCleanup(() => receiver.close());

  // Firm i owns task i: its own BOT, one task of whole campaigns, not started (the API starts it).
  for (let firm = 1; firm <= firms; firm++) {
    await seedFirmBot(db.pool, firm, 1);
    await seedTasks(db, {
      firstId: firm,
      count: 1,
      firmId: firm,
      status: 1,
      batchSize: s.batchSize,
      maxAttempts: 1,
      retryGapMinutes: 0,
    });
  }
  await seedContacts(db, { firstTaskId: 1, tasks: firms, perTask: contactsPerTask, status: 1 });

  // The crons at their production defaults (the sync every 30 minutes, the minute check), pushes on.
  const env = { SYNC_CRON: '*/30 * * * *', SYNC_EDGE_CRON: '* * * * *', LOG_LEVEL: logLevel };
  const apiLogFile = join(ctx.tmpDir, `system-${firms}-api.log`);
  const workerLogFile = join(ctx.tmpDir, `system-${firms}-worker.log`);
  const api = spawnNode(
    build,
    join(build.dir, 'apps/api/src/main.js'),
    [],
    appEnv(db, simulator.baseUrl, { ...env, API_PORT: String(apiPort) }),
    apiLogFile,
  );
  ctx.onCleanup(() => api.kill());
  const worker = spawnNode(
    build,
    join(build.dir, 'apps/worker/src/main.js'),
    [],
    appEnv(db, simulator.baseUrl, {
      ...env,
      WORKER_PORT: String(workerPort),
      NODE_OPTIONS: [process.env.NODE_OPTIONS, WORKER_HEAP_FLAG].filter(Boolean).join(' '),
    }),
    workerLogFile,
  );
  ctx.onCleanup(() => worker.kill());

  const headersOf = (firm: number) => ({
    Authorization: `Bearer ${SERVICE_TOKEN}`,
    'X-Firm-Id': String(firm),
    'X-Account-Id': String(BENCH_ACCOUNT),
  });
  const firmIds = Array.from({ length: firms }, (_, i) => i + 1);
  const cpuNow = (): CpuReading => {
    const usage = process.cpuUsage();
    return {
      api: processCpuMs(api.child.pid),
      worker: processCpuMs(worker.child.pid),
      simulator: processCpuMs(simulator.pid),
      database: localDatabaseCpuMs(),
      bench: (usage.user + usage.system) / 1000,
    };
  };
  const since = (a: CpuReading, b: CpuReading): CpuReading => ({
    api: a.api !== undefined && b.api !== undefined ? b.api - a.api : undefined,
    worker: a.worker !== undefined && b.worker !== undefined ? b.worker - a.worker : undefined,
    simulator: a.simulator !== undefined && b.simulator !== undefined ? b.simulator - a.simulator : undefined,
    database: a.database !== undefined && b.database !== undefined ? b.database - a.database : undefined,
    bench: Math.round(b.bench - a.bench),
  });

  try {
    await waitLive(`${apiBase}/health/live`, api, apiLogFile, 'the API');
    await waitLive(`http://127.0.0.1:${workerPort}/health/live`, worker, workerLogFile, 'the worker');
    const registered = await fetch(`${apiBase}/v1/admin/webhooks`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: receiverUrl }),
    });
    const body = (await registered.json()) as { secret?: string; data?: { secret?: string } };
    const secret = body.secret ?? body.data?.secret;
    if (registered.status !== 201 || !secret)
      throw new Error(`registering the webhook answered ${registered.status}: ${JSON.stringify(body).slice(0, 300)}`);
    receiver.setSecret(secret);
    log(
      `${label}: API, worker and simulator up (${build.kind} build); ${firms} tasks of ${contactsPerTask} contacts, ` +
        `${lines} lines a campaign of ${s.batchSize}, calls of ${s.callMs} ms: ~${offeredPerSec} results/s for ${s.durationS} s`,
    );

    const load0 = loadavg().map((x) => round(x, 2));
    const cpu0 = cpuNow();
    const t0 = Date.now();
    await mapLimit(firmIds, 8, async (firm) => {
      const res = await fetch(`${apiBase}/v1/tasks/${firm}/start`, { method: 'POST', headers: headersOf(firm) });
      if (!res.ok) throw new Error(`start of task ${firm} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    });

    const samples: SystemSample[] = [];
    let samplesMissed = 0;
    /** A sample, or undefined when one of its parts failed (a starved simulator child, a query timing out). */
    const takeSample = async (phase: SystemSample['phase']): Promise<SystemSample | undefined> => {
      try {
        return await sampleOnce(phase);
      } catch (error) {
        samplesMissed++;
        log(`${label}: a sample failed (${(error as Error).message}); the next one goes on`);
        return undefined;
      }
    };
    const sampleOnce = async (phase: SystemSample['phase']): Promise<SystemSample> => {
      const at = Date.now();
      const [open] = await db.pool.query<RowDataPacket[]>(
        `SELECT ct.task_id, ct.campaign_id, COUNT(r.id) AS stored
           FROM ai_visitor_call_task ct LEFT JOIN ai_visitor_call_record r ON r.call_task_id = ct.id
          WHERE ct.status <> 3 AND ct.campaign_id IS NOT NULL
          GROUP BY ct.id, ct.task_id, ct.campaign_id`,
      );
      const stored = await scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_call_record');
      const [events] = await db.pool.query<RowDataPacket[]>(
        `SELECT (SELECT COUNT(*) FROM ai_visitor_event WHERE position IS NULL) AS unsequenced,
                (SELECT COUNT(*) FROM ai_visitor_event
                  WHERE position > (SELECT position FROM ai_visitor_event_cursor WHERE name = 'fanout')) AS unfanned,
                (SELECT COUNT(*) FROM ai_visitor_webhook_delivery WHERE status = 0) AS pending`,
      );
      const taskOf = new Map(open.map((r) => [String(r.campaign_id), String(r.task_id)]));
      const probe: SimulatorProbe = await simulator.probe(
        open.map((r) => [String(r.campaign_id), Number(r.stored)]),
        BEHIND_AFTER_MS,
      );
      const resultsBehind = new Set(probe.resultsBehind.map((c) => taskOf.get(c)));
      const endsBehind = new Set(probe.endsBehind.map((c) => taskOf.get(c)));
      const e = events[0];
      const sample: SystemSample = {
        t: round((at - t0) / 1000, 1),
        phase,
        pendingPushes: probe.pending,
        made: probe.made,
        stored,
        resultsUnstored: Math.max(0, probe.made - stored),
        unsequenced: Number(e.unsequenced),
        unfanned: Number(e.unfanned),
        pendingDeliveries: Number(e.pending),
        undeliveredEvents: Number(e.unsequenced) + Number(e.unfanned) + Number(e.pending),
        tasksBehind: new Set([...resultsBehind, ...endsBehind]).size,
        tasksResultsBehind: resultsBehind.size,
        tasksEndsBehind: endsBehind.size,
        received: receiver.counts.unique,
        inFlightCalls: probe.inFlight,
        cpuMs: since(cpu0, cpuNow()),
        sampleMs: Date.now() - at,
      };
      samples.push(sample);
      return sample;
    };

    // The load: a sample every sampleMs (on a fixed grid from t0) until durationS.
    // Samples slower than the grid (a starved machine) do not stretch the load past durationS.
    for (let k = 1; k * s.sampleMs <= s.durationS * 1000 && Date.now() - t0 < s.durationS * 1000; k++) {
      await sleep(Math.max(0, t0 + k * s.sampleMs - Date.now()));
      const x = await takeSample('load');
      if (x && k % Math.max(1, Math.round(30_000 / s.sampleMs)) === 0)
        log(
          `${label}: t=${x.t} s made ${x.made} stored ${x.stored} received ${x.received}; backlog: pushes ${x.pendingPushes}, ` +
            `results ${x.resultsUnstored}, events ${x.undeliveredEvents}, tasks behind ${x.tasksBehind}`,
        );
    }
    const cpuLoad = since(cpu0, cpuNow());
    const loadMs = Date.now() - t0;
    const load1 = loadavg().map((x) => round(x, 2));

    // The end of the load: every task paused through the API (calls in flight end and are pushed), then drained.
    // An API far behind may drop a request or sit on it: a pause is tried 3 times, 15 s each; one that never lands is
    // left to the drain bound.
    await mapLimit(firmIds, 16, async (firm) => {
      for (let attempt = 1; attempt <= 3; attempt++) {
        try {
          const res = await fetch(`${apiBase}/v1/tasks/${firm}/pause`, {
            method: 'POST',
            headers: headersOf(firm),
            signal: AbortSignal.timeout(15_000),
          });
          if (res.ok) return;
          log(`${label}: pause of task ${firm} answered ${res.status} (attempt ${attempt}/3)`);
        } catch (error) {
          log(`${label}: pause of task ${firm} failed: ${(error as Error).message} (attempt ${attempt}/3)`);
        }
        await sleep(1000);
      }
    });
    const pauseMs = Date.now() - t0 - loadMs;
    const drainFrom = Date.now();
    let complete = false;
    while (Date.now() - drainFrom < s.drainS * 1000) {
      await sleep(1000);
      const x = await takeSample('drain');
      const calledReceived = receivedByType['contact.called'] ?? 0;
      if (
        x &&
        x.pendingPushes === 0 &&
        x.inFlightCalls === 0 &&
        x.stored >= x.made &&
        calledReceived >= x.stored &&
        x.undeliveredEvents === 0
      ) {
        complete = true;
        break;
      }
    }
    const drainMs = Date.now() - drainFrom;
    await sleep(300); // a late duplicate, if any, is counted
    const made = simulator.endedAt.size;
    const stored = await scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_call_record');
    const campaignsClosed = await scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_call_task WHERE status = 3');
    const push = await simulator.pushView();
    const coalescing = await pushCoalescing(apiBase);

    // Freshness, overall and per window of the load (by call end).
    // The figures are of the calls that ended during the load (those ending while the pauses are under way are
    // stored and delivered too, and counted in the completeness check); each per-window list keeps all of them.
    const fresh: number[] = [];
    const byWindow = new Map<number, number[]>();
    const windowS = 30;
    let unmatched = 0;
    for (const [recordId, at] of arrivals) {
      const end = simulator.endedAt.get(recordId);
      if (end === undefined) {
        unmatched++;
        continue;
      }
      if (end - t0 <= loadMs) fresh.push(at - end);
      const w = Math.floor((end - t0) / 1000 / windowS);
      const values = byWindow.get(w) ?? [];
      values.push(at - end);
      byWindow.set(w, values);
    }
    const freshnessByWindow = [...byWindow.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([w, values]) => ({
        fromS: w * windowS,
        toS: (w + 1) * windowS,
        n: values.length,
        p50: percentile(values, 50),
        p99: percentile(values, 99),
      }));
    const madeInLoad = [...simulator.endedAt.values()].filter((at) => at - t0 <= loadMs).length;

    const loadSamples = samples.filter((x) => x.phase === 'load');
    const series = (pick: (x: SystemSample) => number): Point[] => loadSamples.map((x) => ({ t: x.t, v: pick(x) }));
    const allowedItems = offeredPerSec * ALLOWED_GROWTH_S;
    const allowedTasks = Math.max(2, Math.ceil(firms * 0.1));
    const trends = {
      pendingPushes: trendOverLastHalf(
        series((x) => x.pendingPushes),
        s.durationS,
        allowedItems,
      ),
      resultsUnstored: trendOverLastHalf(
        series((x) => x.resultsUnstored),
        s.durationS,
        allowedItems,
      ),
      undeliveredEvents: trendOverLastHalf(
        series((x) => x.undeliveredEvents),
        s.durationS,
        allowedItems,
      ),
      tasksBehind: trendOverLastHalf(
        series((x) => x.tasksBehind),
        s.durationS,
        allowedTasks,
      ),
    };
    const growing = Object.entries(trends)
      .filter(([, t]) => t.growing)
      .map(([name]) => name);
    const max = (pick: (x: SystemSample) => number) => Math.max(0, ...loadSamples.map(pick));
    const share = (ms: number | undefined): CpuShare | undefined =>
      ms === undefined ? undefined : { ms, percentOfCore: round((ms / loadMs) * 100, 1) };
    const busy =
      [cpuLoad.api, cpuLoad.worker, cpuLoad.database, cpuLoad.simulator, cpuLoad.bench].reduce<number>(
        (sum, ms) => sum + (ms ?? 0),
        0,
      ) /
      (loadMs * cpus().length);
    const calledReceived = receivedByType['contact.called'] ?? 0;
    const freshness = {
      n: fresh.length,
      p50: percentile(fresh, 50),
      p90: percentile(fresh, 90),
      p99: percentile(fresh, 99),
      max: percentile(fresh, 100),
    };
    const why: string[] = [];
    if (!(freshness.p99 < SYSTEM_P99_TARGET_MS)) why.push(`freshness p99 ${freshness.p99} ms`);
    if (growing.length) why.push(`growing: ${growing.join(', ')}`);
    if (!complete || stored !== made || calledReceived !== stored || unmatched > 0)
      why.push(`incomplete: made ${made}, stored ${stored}, contact.called received ${calledReceived}`);
    const trial: SystemTrial = {
      firms,
      offeredPerSec,
      contactsPerTask,
      loadS: round(loadMs / 1000, 1),
      madePerSec: round(madeInLoad / (loadMs / 1000), 1),
      made,
      stored,
      received: calledReceived,
      receivedByType,
      duplicates: receiver.counts.duplicates,
      outOfOrder: receiver.counts.outOfOrder,
      badSignature: receiver.counts.badSignature,
      unmatched,
      freshness,
      freshnessByWindow,
      campaignsClosed,
      samples,
      samplesMissed,
      trends,
      growing,
      backlogMax: {
        pendingPushes: max((x) => x.pendingPushes),
        resultsUnstored: max((x) => x.resultsUnstored),
        undeliveredEvents: max((x) => x.undeliveredEvents),
        tasksBehind: max((x) => x.tasksBehind),
      },
      cpu: {
        spanS: round(loadMs / 1000, 1),
        api: share(cpuLoad.api),
        worker: share(cpuLoad.worker),
        database: share(cpuLoad.database),
        simulator: share(cpuLoad.simulator),
        bench: share(cpuLoad.bench)!,
        machineBusy: round(busy, 2),
      },
      drain: { pauseMs, ms: drainMs, complete },
      coalescing,
      push,
      loadAverage: { start: load0, end: load1 },
      held: why.length === 0,
      why,
      apiLog: summarizeLog(apiLogFile),
      workerLog: summarizeLog(workerLogFile),
      simulatorLog: summarizeLog(simLogFile),
    };
    const pct = (c: CpuShare | undefined) => (c ? `${round(c.ms / 1000, 1)} s (${c.percentOfCore}%)` : '—');
    log(
      `${label}: ${trial.held ? 'HELD' : `NOT HELD (${why.join('; ')})`}: made ${made} (${trial.madePerSec}/s), stored ${stored}, ` +
        `contact.called received ${calledReceived} (duplicates ${trial.duplicates}, out of order ${trial.outOfOrder}, bad signatures ${trial.badSignature}); ` +
        `freshness p50 ${freshness.p50} / p99 ${freshness.p99} / max ${freshness.max} ms; ${campaignsClosed} campaigns closed; ` +
        `backlog growth over the last half: pushes ${round(trends.pendingPushes.growth, 0)}, results ${round(trends.resultsUnstored.growth, 0)}, ` +
        `events ${round(trends.undeliveredEvents.growth, 0)} (allowed ${allowedItems}), tasks behind ${round(trends.tasksBehind.growth, 1)} (allowed ${allowedTasks}); ` +
        `CPU over ${trial.cpu.spanS} s: API ${pct(trial.cpu.api)}, worker ${pct(trial.cpu.worker)}, database ${pct(trial.cpu.database)}, ` +
        `simulator ${pct(trial.cpu.simulator)}, bench ${pct(trial.cpu.bench)}: ${Math.round(busy * 100)}% of ${cpus().length} cores; ` +
        `pauses ${round(pauseMs / 1000, 1)} s, drain ${round(drainMs / 1000, 1)} s; load ${load0.join('/')} → ${load1.join('/')}`,
    );
    return trial;
  } finally {
    await Promise.all([api.kill(), worker.kill()]);
    await simulator.close().catch(() => undefined);
    await receiver.close();
    await truncateAll(db.pool);
  }
}
