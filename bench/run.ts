/**
 * `npm run bench` (ts-node --transpile-only -r tsconfig-paths/register bench/run.ts): seeds its own database on
 * the MySQL/MariaDB server and the robot-call simulator, measures ingest, stats, the API and the worker's
 * scaling in one run, writes bench/results/latest.json and prints a Markdown table. See bench/README.md.
 */
// First: with BENCH_OTEL=1, the instrumentations hook the modules before they load (bench/lib/otel.ts).
import './lib/otel';
import 'reflect-metadata';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { cpus, freemem, loadavg, totalmem, tmpdir } from 'os';
import { dirname, join, resolve } from 'path';
import { loadConfig, SectionName } from './lib/config';
import { BenchDatabase, createBenchDatabase } from './lib/db';
import { AppBuild, prepareBuild, removeBuild, REPO } from './lib/children';
import { SectionContext } from './lib/context';
import { log, median, round } from './lib/util';
import { runStats, StatsResult } from './sections/stats';
import { IngestResult, runIngest } from './sections/ingest';
import { LiveTasksResult, runLiveTasks } from './sections/live-tasks';
import { ApiResult, runApi } from './sections/api';
import { CallbackResult, runCallback } from './sections/callback';
import { runScale, ScaleResult } from './sections/scale';
import { EventsResult, runEvents } from './sections/events';
import { DeliveryResult, runDelivery } from './sections/delivery';
import { FreshnessResult, runFreshness } from './sections/freshness';
import { PushResult, runPush } from './sections/push';
import { ExportResult, runExport } from './sections/export';
import { RolloverResult, runRollover } from './sections/rollover';
import { runSystem, SYSTEM_P99_TARGET_MS, SystemResult } from './sections/system';
import { ConversationsResult, runConversations } from './sections/conversations';
import { HistoryResult, runHistory } from './sections/history';
import { ErasureResult, runErasure } from './sections/erasure';

interface Row {
  metric: string;
  median: string;
  baseline: string;
  ratio: string;
  target: string;
  met: string;
}

const cleanups: (() => Promise<void> | void)[] = [];
let db: BenchDatabase | undefined;
let build: AppBuild | undefined;
let tmpDir: string | undefined;
let keepDatabase = false;

async function cleanUp(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch {
      // best effort
    }
  }
  if (db && !keepDatabase) await db.drop().catch((e: Error) => log(`could not drop ${db!.name}: ${e.message}`));
  removeBuild(build);
  if (tmpDir && !process.env.BENCH_KEEP_TMP) rmSync(tmpDir, { recursive: true, force: true });
}

function yesNo(ok: boolean): string {
  return ok ? 'yes' : '**no**';
}

async function main(): Promise<void> {
  const config = loadConfig();
  keepDatabase = config.keepDatabase;
  const startedAt = new Date();
  const server = new URL(config.serverUrl);
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(server.hostname)) {
    log(`note: the database server is ${server.hostname}, not this machine`);
  }
  log(
    `scale ${config.scale}; sections ${config.sections.join(', ')}; repetitions ${config.repsCheap} (cheap) / ${config.repsExpensive} (expensive)`,
  );

  db = await createBenchDatabase(config.serverUrl);
  log(`database ${db.name} created and migrated on ${db.serverVersion}`);
  tmpDir = mkdtempSync(join(tmpdir(), 'aiv-bench-'));
  const ctx: SectionContext = { config, db, tmpDir, onCleanup: (fn) => cleanups.push(fn) };
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: round(totalmem() / 1024 ** 3, 1),
    freeMemoryGb: round(freemem() / 1024 ** 3, 1),
    node: process.version,
    database: db.serverVersion,
    loadAverageAtStart: loadavg().map((x) => round(x, 2)),
    loadAverageAtEnd: [] as number[],
  };

  const results: Results = {};
  const errors: Partial<Record<SectionName, string>> = {};
  const sectionMs: Partial<Record<SectionName, number>> = {};
  const needsBuild = config.sections.some(
    (s) =>
      s === 'api' ||
      s === 'callback' ||
      s === 'delivery' ||
      s === 'export' ||
      s === 'scale' ||
      s === 'freshness' ||
      s === 'push' ||
      s === 'rollover' ||
      s === 'system',
  );
  if (needsBuild) {
    log(
      config.useDist
        ? 'children run dist/ (BENCH_USE_DIST=1)'
        : 'compiling the current sources for the child processes (tsc --noCheck → bench/.build)',
    );
    build = await prepareBuild(config.useDist);
    if (build.kind === 'fresh') log(`compiled in ${(build.buildMs / 1000).toFixed(1)} s`);
  }
  for (const section of config.sections) {
    const t0 = Date.now();
    log(`── ${section} ──`);
    try {
      if (section === 'stats') results.stats = await runStats(ctx);
      if (section === 'ingest') results.ingest = await runIngest(ctx);
      if (section === 'live') results.live = await runLiveTasks(ctx);
      if (section === 'events') results.events = await runEvents(ctx);
      if (section === 'conversations') results.conversations = await runConversations(ctx);
      if (section === 'history') results.history = await runHistory(ctx);
      if (section === 'delivery') results.delivery = await runDelivery(ctx, build!);
      if (section === 'freshness') results.freshness = await runFreshness(ctx, build!);
      if (section === 'freshness' && config.otel)
        results.freshnessTraced = await runFreshness(ctx, build!, { tracing: true });
      if (section === 'push') results.push = await runPush(ctx, build!);
      if (section === 'rollover') results.rollover = await runRollover(ctx, build!);
      if (section === 'system') results.system = await runSystem(ctx, build!);
      if (section === 'api') results.api = await runApi(ctx, build!);
      if (section === 'callback') results.callback = await runCallback(ctx, build!);
      if (section === 'export') results.exportCsv = await runExport(ctx, build!);
      if (section === 'scale') results.scale = await runScale(ctx, build!);
      if (section === 'erasure') results.erasure = await runErasure(ctx);
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      errors[section] = message;
      log(`${section} FAILED: ${message}`);
    }
    sectionMs[section] = Date.now() - t0;
    log(`${section} took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  machine.loadAverageAtEnd = loadavg().map((x) => round(x, 2));

  const rows = table(results, errors, config.sections);
  const totalMs = Date.now() - startedAt.getTime();
  const out = {
    startedAt: startedAt.toISOString(),
    totalMs,
    scale: config.scale,
    repetitions: { cheap: config.repsCheap, expensive: config.repsExpensive },
    machine,
    config: { ...config, serverUrl: config.serverUrl.replace(/\/\/[^@/]*@/, '//***@') },
    childBuild: build ? { kind: build.kind, buildMs: round(build.buildMs, 0) } : null,
    sectionMs,
    results,
    errors,
    table: rows,
  };
  const file = resolve(REPO, config.resultFile);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);

  const lines = [
    '',
    `## AI Visitor bench — scale \`${config.scale}\`, ${startedAt.toISOString()}`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB RAM; Node ${machine.node}; ${machine.database}; ` +
      `load average ${machine.loadAverageAtStart.join(' / ')} at start, ${machine.loadAverageAtEnd.join(' / ')} at end.`,
    `Medians of ${config.repsCheap} (stats, export) / ${config.repsExpensive} (ingest, API, scale) repetitions; children ran the ${build?.kind ?? '—'} build.`,
    '',
    '| metric | median | baseline | ratio | target | met? |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.metric} | ${r.median} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.met} |`),
    '',
    'Ratio: taken within each repetition (app and baseline back to back), then the median over repetitions.',
    `Total ${(totalMs / 1000).toFixed(0)} s (${Object.entries(sectionMs)
      .map(([s, ms]) => `${s} ${((ms ?? 0) / 1000).toFixed(0)} s`)
      .join(', ')}). Details: ${config.resultFile}`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
  if (Object.keys(errors).length) process.exitCode = 1;
}

interface Results {
  stats?: StatsResult;
  ingest?: IngestResult;
  live?: LiveTasksResult;
  events?: EventsResult;
  conversations?: ConversationsResult;
  history?: HistoryResult;
  delivery?: DeliveryResult;
  freshness?: FreshnessResult;
  /** BENCH_OTEL=1: the same load with tracing on in the API and the worker. */
  freshnessTraced?: FreshnessResult;
  push?: PushResult;
  rollover?: RolloverResult;
  system?: SystemResult;
  api?: ApiResult;
  callback?: CallbackResult;
  exportCsv?: ExportResult;
  scale?: ScaleResult;
  erasure?: ErasureResult;
}

function table(r: Results, errors: Partial<Record<SectionName, string>>, sections: SectionName[]): Row[] {
  const rows: Row[] = [];
  const failed = (section: SectionName, metric: string) => {
    if (sections.includes(section) && errors[section])
      rows.push({ metric, median: 'error', baseline: '', ratio: '', target: '', met: '**error**' });
  };
  const fmt = (n: number, d = 0) =>
    Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : String(n);

  if (r.ingest) {
    const i = r.ingest;
    const incomplete = i.perRep.some((p) => !p.complete) ? ' (incomplete!)' : '';
    rows.push({
      metric: `ingest, records/s end to end (${fmt(i.records)} records) vs hand-written bulk SQL doing the same writes from the same HTTP pages`,
      median: `${fmt(i.recordsPerSec)}/s${incomplete}`,
      baseline: `${fmt(i.handBulkPerSec)}/s`,
      ratio: `${fmt(i.ratioToHandBulk, 2)}×`,
      target: '≥ 0.7×',
      met: yesNo(i.ratioToHandBulk >= 0.7),
    });
    rows.push({
      metric: 'reference: ingest vs raw multi-row upsert of the records alone (a fraction of the writes)',
      median: `${fmt(i.recordsPerSec)}/s${incomplete}`,
      baseline: `${fmt(i.rawUpsertPerSec)}/s`,
      ratio: `${fmt(i.ratioToRawUpsert, 2)}×`,
      target: 'reference',
      met: '',
    });
    rows.push({
      metric: "reference: ingest vs row-by-row (4 round trips/record, the review's algorithm)",
      median: `${fmt(i.recordsPerSec)}/s${incomplete}`,
      baseline: `${fmt(i.rowByRowPerSec)}/s`,
      ratio: `${fmt(i.ratioToRowByRow, 1)}×`,
      target: 'reference',
      met: '',
    });
    if (i.tracedRatio !== undefined) {
      const spans = median(i.perRep.map((p) => p.tracedSpans ?? 0));
      rows.push({
        metric: `ingest with tracing on (every statement and platform call a span, ${fmt(spans)} exported) vs off, records/s`,
        median: `${fmt(median(i.perRep.map((p) => p.tracedPerSec ?? NaN)))}/s`,
        baseline: `${fmt(i.recordsPerSec)}/s`,
        ratio: `${fmt(i.tracedRatio, 2)}×`,
        target: '≥ 0.90×',
        met: yesNo(i.tracedRatio >= 0.9),
      });
    }
  } else failed('ingest', 'ingest');

  if (r.live) {
    const l = r.live;
    const live = l.tasks - l.waitingTasks;
    const scaleTo = 10_000 / Math.max(live, 1);
    for (const run of l.runs) {
      const projected = (run.passMs / 1000) * scaleTo;
      rows.push({
        metric:
          `pass over ${fmt(live)} live tasks, ${l.newsPercent}% with news, platform answering in ${l.platformLatencyMs} ms, SYNC_CONCURRENCY=${run.concurrency} ` +
          `(and ${fmt(l.waitingTasks)} tasks waiting for a retry gap: ${fmt(l.tasks - run.tasks)} passed over)`,
        median: `${fmt(run.passMs / 1000, 1)} s${live === 10_000 ? '' : ` (${fmt(projected, 0)} s at 10,000)`}; ${fmt(run.recordsStored)} records`,
        baseline: '',
        ratio: '',
        target: '< 60 s at 10,000 tasks, one worker',
        met: yesNo(projected < 60 && run.failed === 0 && run.recordsStored >= run.newsTasks),
      });
    }
    const idle = l.idle.perIdleTask;
    rows.push({
      metric: `a task without news, SYNC_CONCURRENCY=${l.idle.concurrency}: statements / platform calls (claims and releases included)`,
      median: idle ? `${fmt(idle.queries, 2)} / ${fmt(idle.platformCalls, 2)}` : '—',
      baseline: '',
      ratio: '',
      target: '≤ 2 / ≤ 1',
      met: yesNo(!!idle && idle.queries <= 2 && idle.platformCalls <= 1),
    });
    rows.push({
      metric: 'tasks waiting for a retry gap that the pass still visited (after the first pass)',
      median: fmt(Math.max(0, ...l.runs.map((run) => run.tasks - live))),
      baseline: '',
      ratio: '',
      target: '0',
      met: yesNo(l.runs.every((run) => run.tasks <= live)),
    });
  } else failed('live', 'live');

  if (r.events) {
    const e = r.events;
    rows.push({
      metric: `ingest with the events outbox vs without (${fmt(e.records)} records), records/s`,
      median: `${fmt(e.withOutboxPerSec)}/s`,
      baseline: `${fmt(e.withoutOutboxPerSec)}/s`,
      ratio: `${fmt(e.outboxRatio, 2)}×`,
      target: '≥ 0.85× (≤ 15% slower)',
      met: yesNo(e.outboxRatio >= 0.85),
    });
    rows.push({
      metric: `rendering the pages' event batches (${fmt(e.outboxRows)} outbox rows → ${fmt(e.events)} events; the relay's sequencer, after commit), events/s`,
      median: `${fmt(e.renderPerSec)}/s`,
      baseline: '',
      ratio: '',
      target: '',
      met: '',
    });
  } else failed('events', 'events');

  if (r.conversations) {
    const c = r.conversations;
    rows.push({
      metric: `ingest with the conversations (a ${fmt(c.transcriptBytes)}-byte transcript, a summary and a link a record, sealed and stored) vs without (${fmt(c.records)} records; the simulators ${c.simulator === 'process' ? 'in their own processes' : 'in the bench process'}), records/s`,
      median: `${fmt(c.withPerSec)}/s`,
      baseline: `${fmt(c.withoutPerSec)}/s`,
      ratio: `${fmt(c.ratio, 2)}×`,
      target: '≥ 0.8×',
      met: yesNo(c.ratio >= 0.8),
    });
    rows.push({
      metric: 'on disk (data and indexes, InnoDB estimate): a conversation / a call record',
      median: `${fmt(c.bytesPerConversation)} B / ${fmt(c.bytesPerRecord)} B`,
      baseline: '',
      ratio: '',
      target: '',
      met: '',
    });
  } else failed('conversations', 'conversations');

  if (r.history) {
    const h = r.history;
    rows.push({
      metric: `call history of a contact with ${h.attempts} calls (ListContactCalls, conversations opened) at ${fmt(h.contacts)} contacts (${fmt(h.records)} records, ${fmt(h.conversations)} conversations), p50 / p99 vs the same read (one statement) as bare SQL`,
      median: `${fmt(h.appP50, 2)} / ${fmt(h.appP99, 2)} ms`,
      baseline: `${fmt(h.bareP50, 2)} / ${fmt(h.bareP99, 2)} ms`,
      ratio: `${fmt(h.ratioP50, 2)}× / ${fmt(h.ratioP99, 2)}×`,
      target: 'p99 < 20 ms',
      met: yesNo(h.appP99 < 20),
    });
  } else failed('history', 'history');

  if (r.delivery) {
    const d = r.delivery;
    const bad = d.perRep.filter((p) => !p.complete).length;
    const received = d.perRep.map((p) => p.received);
    const w = d.workers;
    const wBad = w.runs.filter((p) => !p.complete).length;
    rows.push({
      metric: `webhook delivery, one worker process: ${fmt(d.events)} events in the outbox → one endpoint (the receiver in the bench process), events/s`,
      median: `${fmt(w.oneWorkerPerSec)}/s`,
      baseline: '—',
      ratio: '—',
      target: '≥ 2,000 events/s',
      met: yesNo(w.oneWorkerPerSec >= 2000),
    });
    rows.push({
      metric: 'webhook delivery, two worker processes, the same backlog: events/s, vs one worker',
      median: `${fmt(w.twoWorkersPerSec)}/s`,
      baseline: `${fmt(w.oneWorkerPerSec)}/s (1 worker)`,
      ratio: `${fmt(w.twoOverOne, 2)}×`,
      target: 'reported; every event once, in per-task order',
      met: wBad || w.duplicates ? `**no** (${wBad} incomplete, ${w.duplicates} duplicates)` : 'yes',
    });
    rows.push({
      metric: `webhook delivery in the bench process (relay and receiver sharing one event loop) vs bare signed POSTs to the same receiver (${d.bare.lanes} at once, no database), events/s`,
      median: `${fmt(d.eventsPerSec)}/s`,
      baseline: `${fmt(d.bare.eventsPerSec)}/s`,
      ratio: `${fmt(d.ratioToBare, 2)}×`,
      target: '— (where the time goes)',
      met: '—',
    });
    rows.push({
      metric: 'webhook delivery: events the receiver got (signatures verified) / duplicate POSTs',
      median: `${received.map((n) => fmt(n)).join(', ')} of ${fmt(d.events)} / ${fmt(d.duplicates)} duplicates`,
      baseline: '—',
      ratio: '—',
      target: `= ${fmt(d.events)}, in per-task order`,
      met: bad ? `**no** (${bad} incomplete)` : 'yes',
    });
  } else failed('delivery', 'webhook delivery');

  if (r.freshness) {
    const f = r.freshness;
    rows.push({
      metric: `freshness: call ended → receiver holds its contact.called, p50 (push at ~${fmt(f.targetRatePerSec)} records/s for ${fmt(f.durationS)} s)`,
      median: `${fmt(f.p50Ms)} ms`,
      baseline: 'up to 30 min (review: sync cron)',
      ratio: '—',
      target: '< 500 ms',
      met: yesNo(f.p50Ms < 500),
    });
    rows.push({
      metric: 'freshness p99',
      median: `${fmt(f.p99Ms)} ms`,
      baseline: '—',
      ratio: '—',
      target: '< 2,000 ms',
      met: yesNo(f.p99Ms < 2000),
    });
    rows.push({
      metric: 'freshness: contact.called received / call records stored / records the simulator made',
      median:
        `${fmt(f.received)} / ${fmt(f.recordsStored)} / ${fmt(f.recordsMade)}` +
        (f.duplicates ? ` (${fmt(f.duplicates)} duplicates)` : ''),
      baseline: '—',
      ratio: '—',
      target: 'all equal',
      met: yesNo(
        f.received === f.recordsStored &&
          f.recordsStored === f.recordsMade &&
          f.outOfOrder === 0 &&
          f.badSignature === 0,
      ),
    });
  } else failed('freshness', 'freshness');

  if (r.freshness && r.freshnessTraced) {
    const [off, on] = [r.freshness, r.freshnessTraced];
    // The load is fixed (the simulator's rate): tracing's cost shows as the processes' CPU per record.
    const perRecord = (f: FreshnessResult) =>
      ((f.cpu.apiMs ?? NaN) + (f.cpu.workerMs ?? NaN)) / Math.max(f.recordsStored, 1);
    const ratio = perRecord(on) / perRecord(off);
    rows.push({
      metric: `tracing on vs off, freshness load: CPU of the API + the worker per pushed record (${fmt(on.spans?.spans ?? 0)} spans exported)`,
      median: `${fmt(perRecord(on), 2)} ms`,
      baseline: `${fmt(perRecord(off), 2)} ms`,
      ratio: `${fmt(ratio, 2)}×`,
      target: '≤ 1.10×',
      met: yesNo(ratio <= 1.1),
    });
    rows.push({
      metric: 'tracing on vs off: freshness p50 / p99',
      median: `${fmt(on.p50Ms)} / ${fmt(on.p99Ms)} ms`,
      baseline: `${fmt(off.p50Ms)} / ${fmt(off.p99Ms)} ms`,
      ratio: '—',
      target: 'p99 < 2,000 ms',
      met: yesNo(on.p99Ms < 2000 && on.received === on.recordsMade),
    });
  }
  if (r.push) {
    const p = r.push;
    const cpu = (s: PushResult['pushed']) => s.cpuMsPerRecord ?? s.serverCpuMsPerRecord ?? NaN;
    const which = p.perUser ? "its connections' statements" : 'the server process, other clients included';
    rows.push({
      metric: `push: database CPU a pushed record (${which}; one record a push, ${fmt(p.transcriptBytes)} B transcript, ${fmt(p.pushed.ratePerSec)} pushes/s, relay off) vs a polled one`,
      median: `${fmt(cpu(p.pushed), 3)} ms`,
      baseline: `${fmt(cpu(p.polled), 3)} ms (polled)`,
      ratio: p.ratioToPolled !== undefined ? `${fmt(p.ratioToPolled, 2)}×` : '—',
      target: '≤ 0.5 ms',
      met: yesNo(cpu(p.pushed) <= 0.5),
    });
    rows.push({
      metric: 'push: statements and commits a pushed record vs a polled one',
      median: `${fmt(p.pushed.statementsPerRecord ?? NaN, 2)} / ${fmt(p.pushed.commitsPerRecord ?? NaN, 2)}`,
      baseline: `${fmt(p.polled.statementsPerRecord ?? NaN, 2)} / ${fmt(p.polled.commitsPerRecord ?? NaN, 2)} (polled)`,
      ratio: '—',
      target: 'reference',
      met: '',
    });
  } else failed('push', 'push');

  if (r.rollover) {
    const o = r.rollover;
    for (const run of o.runs) {
      const how = `${run.push ? 'pushes on' : 'pushes off'}, ${fmt(run.rollovers)} rollovers of ${fmt(run.tasks)} tasks, campaigns of ${fmt(o.batchSize)}, calls of ${fmt(o.callMs)} ms`;
      rows.push({
        metric: `rollover: a campaign's last call ended → the next campaign's first dial, p50 / p99 (${how}; default SYNC_CRON)`,
        median: `${fmt(run.p50Ms)} / ${fmt(run.p99Ms)} ms`,
        baseline: run.push ? '≈ 300 s (before issue 20)' : 'up to 30 min (sync cron)',
        ratio: '—',
        target: run.push ? 'p99 < 2,000 ms' : 'p99 ≤ 60 s (the minute check)',
        met: yesNo(run.push ? run.p99Ms < 2000 : run.p99Ms <= 61_000),
      });
      rows.push({
        metric: `idle time: share of a task's wall time with none of its calls in flight, median over tasks (${run.push ? 'pushes on' : 'pushes off'})`,
        median: `${fmt(run.idleShareMedian * 100, 1)}%`,
        baseline: '—',
        ratio: '—',
        target: run.push ? '< 5%' : '— (reported)',
        met: run.push ? yesNo(run.idleShareMedian < 0.05) : '—',
      });
    }
  } else failed('rollover', 'rollover');

  if (r.system) systemRows(r.system, rows, fmt);
  else failed('system', 'system at the planned load');

  if (r.stats) {
    const s = r.stats;
    const full = s.contacts >= 1_000_000;
    rows.push({
      metric: `stats p50 latency, ms (task of ${fmt(s.contacts)} contacts) vs bare aggregate SQL`,
      median: fmt(s.appP50, 1),
      baseline: fmt(s.bareP50, 1),
      ratio: `${fmt(s.ratioP50, 2)}×`,
      target: '≤ 1.5×',
      met: yesNo(s.ratioP50 <= 1.5),
    });
    rows.push({
      metric: `stats p50 latency, absolute`,
      median: `${fmt(s.appP50, 1)} ms`,
      baseline: '—',
      ratio: '—',
      target: '< 50 ms at 1M contacts',
      met: full
        ? yesNo(s.appP50 < 50)
        : `${s.appP50 < 50 ? 'yes' : 'no'} at ${fmt(s.contacts)} (target is for 1M: run full)`,
    });
    rows.push({
      metric: 'stats p99 latency, ms vs bare SQL',
      median: fmt(s.appP99, 1),
      baseline: fmt(s.bareP99, 1),
      ratio: `${fmt(s.ratioP99, 2)}×`,
      target: '—',
      met: '—',
    });
  } else failed('stats', 'stats');

  if (r.api) {
    const a = r.api;
    const names = {
      stats: 'GET /tasks/:id/stats',
      me: 'GET /v1/me (authenticated, no domain work)',
      start_noop: 'POST /tasks/:id/start (running task: no-op)',
      pause_start: 'POST pause / POST start alternating',
    };
    for (const s of ['stats', 'me', 'start_noop', 'pause_start'] as const) {
      const m = a.median[s];
      const bad = m.non2xx || m.errors ? ` (non-2xx ${m.non2xx}, errors ${m.errors})` : '';
      rows.push({
        metric: `API ${names[s]}, req/s (p99), ${a.connections} connections`,
        median: `${fmt(m.rps)}/s (p99 ${fmt(m.p99)} ms)${bad}`,
        baseline: '—',
        ratio: '—',
        target: '—',
        met: bad ? '**errors**' : '—',
      });
    }
    const bad = a.median.stats.non2xx || a.median.stats.errors || a.median.me.non2xx || a.median.me.errors;
    rows.push({
      metric: 'API GET stats vs authenticated no-op route (GET /v1/me), req/s, same process and run',
      median: `${fmt(a.median.stats.rps)}/s`,
      baseline: `${fmt(a.median.me.rps)}/s`,
      ratio: `${fmt(a.statsToCeiling, 2)}×`,
      target: '≥ 0.5×',
      met: bad ? '**errors**' : yesNo(a.statsToCeiling >= 0.5),
    });
    if (
      a.cpuToCeiling !== null &&
      a.median.stats.apiCpuUsPerRequest !== null &&
      a.median.me.apiCpuUsPerRequest !== null
    ) {
      // Beside req/s, which moves with whatever else the machine runs: what a request costs the API process.
      rows.push({
        metric:
          'API CPU per request, GET stats vs GET /v1/me, µs (ratio: me ÷ stats, the req/s ratio if the API process were the bound)',
        median: `${fmt(a.median.stats.apiCpuUsPerRequest)} µs`,
        baseline: `${fmt(a.median.me.apiCpuUsPerRequest)} µs`,
        ratio: `${fmt(a.cpuToCeiling, 2)}×`,
        target: '—',
        met: '—',
      });
    }
  } else failed('api', 'API');

  if (r.exportCsv) {
    const x = r.exportCsv;
    const bad = x.perRep.filter((p) => !p.app.csvOk).length + (x.cold.csvOk ? 0 : 1);
    const each = (pick: (run: ExportResult['cold']) => number, d = 0) =>
      x.perRep.map((p) => fmt(pick(p.app), d)).join(', ');
    rows.push({
      metric: `CSV export of ${fmt(x.contacts)} contacts (${fmt(x.csvBytes / 1024 ** 2, 1)} MB) through the API process, rows/s end to end, vs the bare keyset SELECT of the same rows (mysql2)`,
      median: `${fmt(x.rowsPerSec)}/s (${each((a) => a.rowsPerSec)})`,
      baseline: `${fmt(x.bareRowsPerSec)}/s`,
      ratio: `${fmt(x.ratioToBare, 2)}×`,
      target: '≥ 20,000 rows/s',
      met: yesNo(x.rowsPerSec >= 20_000),
    });
    rows.push({
      metric: `CSV export: time to the first byte (the BOM and header; the first contact's row: ${fmt(x.firstRowMs, 1)} ms)`,
      median: `${fmt(x.firstByteMs, 1)} ms (${each((a) => a.firstByteMs, 1)})`,
      baseline: '—',
      ratio: '—',
      target: '< 200 ms',
      met: yesNo(x.firstByteMs < 200),
    });
    rows.push({
      metric: 'CSV export: API RSS growth during a download (peak − before)',
      median: `${fmt(x.rssGrowthMb, 1)} MB (${each((a) => a.rssGrowthMb, 1)}; max ${fmt(x.rssGrowthMaxMb, 1)})`,
      baseline: `${fmt(x.rssBeforeMb, 0)} MB before`,
      ratio: `peak ${fmt(x.rssPeakMb, 0)} MB, ${fmt(x.rssAfterMb, 0)} MB 1 s after`,
      target: '< 50 MB',
      met: yesNo(x.rssGrowthMb < 50),
    });
    rows.push({
      metric: 'CSV export: the first download after the API started (not in the medians)',
      median: `${fmt(x.cold.rowsPerSec)}/s, first byte ${fmt(x.cold.firstByteMs, 1)} ms (row ${fmt(x.cold.firstRowMs, 1)} ms), RSS +${fmt(x.cold.rssGrowthMb, 1)} MB`,
      baseline: `${fmt(x.cold.rssBeforeMb, 0)} MB before`,
      ratio: '—',
      target: '—',
      met: '—',
    });
    rows.push({
      metric: 'CSV export: data rows in each download = contacts, first and last contact as seeded',
      median: bad ? `${bad} wrong` : `${fmt(x.contacts)} each`,
      baseline: '—',
      ratio: '—',
      target: `= ${fmt(x.contacts)}`,
      met: bad ? '**no**' : 'yes',
    });
  } else failed('export', 'CSV export');

  if (r.scale) {
    const s = r.scale;
    const incomplete = s.runs.some((x) => !x.allCompleted) ? ' (incomplete!)' : '';
    rows.push({
      metric:
        `sync ${fmt(s.tasks)} tasks × ${fmt(s.contactsPerTask)} contacts to completion: 2 workers vs 1, s` +
        (s.platformLatencyMs ? ` (platform answering in ${fmt(s.platformLatencyMs)} ms)` : ''),
      median: `${fmt(s.twoWorkersMs / 1000, 2)} s${incomplete}`,
      baseline: `${fmt(s.oneWorkerMs / 1000, 2)} s`,
      ratio: `${fmt(s.speedUp, 2)}× speed-up`,
      target: '≥ 1.7×',
      met: yesNo(s.speedUp >= 1.7),
    });
    if (s.speedUp4 !== undefined && s.fourWorkersMs !== undefined) {
      rows.push({
        metric: `the same: 4 workers vs 1 (SYNC_CONCURRENCY ${s.syncConcurrency} each)`,
        median: `${fmt(s.fourWorkersMs / 1000, 2)} s${incomplete}`,
        baseline: `${fmt(s.oneWorkerMs / 1000, 2)} s`,
        ratio: `${fmt(s.speedUp4, 2)}× speed-up`,
        target: '≥ 3×',
        met: yesNo(s.speedUp4 >= 3),
      });
    }
    for (const count of s.workerCounts) {
      const own = s.runs.filter((x) => x.workers === count && x.cpu.workersMs);
      if (own.length === 0) continue;
      const perWorker = own[0].cpu.workersMs!.map((ms) => fmt(ms / 1000, 1)).join(' + ');
      rows.push({
        metric: `CPU during the ${count}-worker run (rep 1): workers / database / simulator and bench, s`,
        median: `${perWorker} / ${fmt((own[0].cpu.databaseMs ?? 0) / 1000, 1)} / ${fmt(own[0].cpu.benchMs / 1000, 1)}`,
        baseline: '—',
        ratio:
          own[0].cpu.machineBusy !== undefined
            ? `${Math.round(own[0].cpu.machineBusy * 100)}% of ${s.cores} cores`
            : '—',
        target: '—',
        met: '—',
      });
    }
    if (s.oneWorkerMachineBusy !== undefined) {
      // What bounds the speed-up: the share of the machine one worker (with the database and simulator) leaves idle.
      rows.push({
        metric: `machine busy during the 1-worker runs (worker + database + simulator, ${s.cores} cores)`,
        median: `${Math.round(s.oneWorkerMachineBusy * 100)}%`,
        baseline: '—',
        ratio: `≤ ${fmt(1 / Math.max(s.oneWorkerMachineBusy, 0.01), 2)}× possible here`,
        target: '—',
        met: '—',
      });
    }
    rows.push({
      metric: 'worker peak RSS (max over runs and processes)',
      median: `${fmt(s.peakRssMb, 0)} MB`,
      baseline: '—',
      ratio: '—',
      target: '< 256 MB',
      met: yesNo(s.peakRssMb < 256),
    });
  } else failed('scale', 'scale');
  if (r.erasure) {
    const e = r.erasure;
    rows.push({
      metric: `erasure of a number present in ${fmt(e.tasks)} tasks of ${fmt(e.contactsPerTask)} contacts, ${fmt(e.events)} events stored (contacts, conversations, events redacted, registry; one transaction) vs a number in one task`,
      median: `${fmt(e.manyTasksMs, 1)} ms`,
      baseline: `${fmt(e.oneTaskMs, 1)} ms`,
      ratio: `${fmt(e.ratioToOneTask, 2)}×`,
      target: '< 2,000 ms',
      met: yesNo(e.manyTasksMs < 2000),
    });
    rows.push({
      metric: `retention purge of ${fmt(e.purgeConversations)} conversations (batches of 5,000, the events still carrying them redacted), its own work (no yield) vs a bare DELETE loop, conversations/s`,
      median: `${fmt(e.purgeRawPerSec)}/s`,
      baseline: `${fmt(e.bareDeletePerSec)}/s`,
      ratio: `${fmt(e.purgeRatioToBare, 2)}×`,
      target: '≥ 20,000/s',
      met: yesNo(e.purgeRawPerSec >= 20_000),
    });
    rows.push({
      metric:
        "retention purge as shipped, alone (a quarter of each batch's time yielded to the work beside it), conversations/s",
      median: `${fmt(e.purgePerSec)}/s`,
      baseline: '',
      ratio: '',
      target: '(≥ 20,000/s)',
      met: yesNo(e.purgePerSec >= 20_000),
    });
    rows.push({
      metric: `ingest while the retention purge runs vs the ingest alone, records/s (the purge beside it: ${fmt(e.purgeDuringIngestPerSec)}/s)`,
      median: `${fmt(e.ingestDuringPurgePerSec)}/s`,
      baseline: `${fmt(e.ingestAlonePerSec)}/s`,
      ratio: `${fmt(e.ingestRatio, 2)}×`,
      target: '≥ 0.8×',
      met: yesNo(e.ingestRatio >= 0.8),
    });
  } else failed('erasure', 'erasure and retention');
  if (r.callback) {
    const c = r.callback;
    const m = c.median;
    const cpu = (s: keyof CallbackResult['median']) =>
      `API ${m[s].apiCpuUsPerRequest ?? '?'} µs, DB ${m[s].dbCpuUsPerRequest ?? '?'} µs a request`;
    const faults = (s: keyof CallbackResult['median']) =>
      m[s].non2xx || m[s].errors ? ` (non-2xx ${m[s].non2xx}, errors ${m[s].errors})` : '';
    rows.push({
      metric: `callback: signed pushes of one new record (${fmt(c.pushBytes)} bytes, a ${fmt(c.transcriptBytes)}-byte transcript) vs GET /v1/me, req/s, ${c.connections} connections (${cpu('push_new')})`,
      median: `${fmt(m.push_new.rps)}/s (p99 ${fmt(m.push_new.p99)} ms)${faults('push_new')}`,
      baseline: `${fmt(m.me.rps)}/s (p99 ${fmt(m.me.p99)} ms)`,
      ratio: `${fmt(c.newToCeiling, 2)}×`,
      target: '≥ 0.6×, p99 < 50 ms',
      met: yesNo(c.newToCeiling >= 0.6 && m.push_new.p99 < 50 && !m.push_new.non2xx),
    });
    rows.push({
      metric: `callback: batched pushes of ${fmt(c.batch)} new records, records/s (${cpu('push_batch')})`,
      median: `${fmt(m.push_batch.recordsPerSec)}/s (${fmt(m.push_batch.rps)} pushes/s, p99 ${fmt(m.push_batch.p99)} ms)${faults('push_batch')}`,
      baseline: '',
      ratio: '',
      target: '≥ 10,000 records/s',
      met: yesNo(m.push_batch.recordsPerSec >= 10_000 && !m.push_batch.non2xx),
    });
    rows.push({
      metric: `callback: a record already stored, pushed again, vs GET /v1/me, req/s (${cpu('replay')}; no write, no lock: test/push-replay)`,
      median: `${fmt(m.replay.rps)}/s (p99 ${fmt(m.replay.p99)} ms)${faults('replay')}`,
      baseline: `${fmt(m.me.rps)}/s`,
      ratio: `${fmt(c.replayToCeiling, 2)}×`,
      target: 'reference',
      met: '',
    });
    rows.push({
      metric: 'callback: records stored / records the answered pushes carried',
      median: `${fmt(c.stored.actual)} / ${fmt(c.stored.expected)}`,
      baseline: '',
      ratio: '',
      target: 'all stored',
      met: yesNo(c.stored.actual >= c.stored.expected),
    });
  } else failed('callback', 'callback');
  return rows;
}

/** The system section's rows: each trial's freshness, backlog and CPU; at full scale, the highest load held. */
function systemRows(sys: SystemResult, rows: Row[], fmt: (n: number, d?: number) => string): void {
  const st = sys.settings;
  const cpu = (c: { ms: number; percentOfCore: number } | undefined) =>
    c ? `${fmt(c.ms / 1000, 1)} s (${fmt(c.percentOfCore, 0)}%)` : '—';
  const shown = sys.search ? sys.trials : sys.trials.slice(-1);
  for (const t of shown) {
    const load = `${fmt(t.firms)} firms × ${st.ratePerFirm} results/s (${fmt(t.madePerSec, 0)}/s made), calls of ${fmt(st.callMs / 1000)} s, campaigns of ${st.batchSize}, ${fmt(t.loadS, 0)} s`;
    rows.push({
      metric: `system: call ended → receiver holds its contact.called, p50 / p99 (${load}; ${fmt(t.campaignsClosed)} campaigns closed)`,
      median: `${fmt(t.freshness.p50)} / ${fmt(t.freshness.p99)} ms`,
      baseline: '—',
      ratio: '—',
      target: `p99 < ${fmt(SYSTEM_P99_TARGET_MS)} ms`,
      met: yesNo(t.freshness.p99 < SYSTEM_P99_TARGET_MS),
    });
    const g = t.trends;
    rows.push({
      metric:
        `system (${fmt(t.firms)} firms): backlog gained over the last half of the load (fitted), pending pushes / results not stored / ` +
        `undelivered events / tasks behind (max during the load: ${fmt(t.backlogMax.pendingPushes)} / ${fmt(t.backlogMax.resultsUnstored)} / ${fmt(t.backlogMax.undeliveredEvents)} / ${fmt(t.backlogMax.tasksBehind)})`,
      median: `${fmt(g.pendingPushes.growth)} / ${fmt(g.resultsUnstored.growth)} / ${fmt(g.undeliveredEvents.growth)} / ${fmt(g.tasksBehind.growth, 1)}`,
      baseline: '—',
      ratio: '—',
      target: `not growing (≤ ${fmt(g.pendingPushes.allowed)} items, ≤ ${fmt(g.tasksBehind.allowed)} tasks)`,
      met: yesNo(t.growing.length === 0),
    });
    rows.push({
      metric: `system (${fmt(t.firms)} firms): results made / stored / contact.called received (duplicates, out of order, bad signatures)`,
      median: `${fmt(t.made)} / ${fmt(t.stored)} / ${fmt(t.received)} (${t.duplicates}, ${t.outOfOrder}, ${t.badSignature})`,
      baseline: '—',
      ratio: '—',
      target: 'all equal',
      met: yesNo(t.drain.complete && t.made === t.stored && t.stored === t.received && t.unmatched === 0),
    });
    const attempted = Number(t.push.attempted ?? 0);
    rows.push({
      metric: `system (${fmt(t.firms)} firms): push POSTs a record (the simulator retries a POST not answered 2xx within 5 s: failed / given up, polling catches up), pushes a transaction at the API`,
      median: `${fmt(attempted / Math.max(t.made, 1), 2)} (${fmt(Number(t.push.failed ?? 0))} / ${fmt(Number(t.push.gaveUp ?? 0))})`,
      baseline: '—',
      ratio: t.coalescing ? `${fmt(t.coalescing.perTransaction, 2)} a transaction` : '—',
      target: '—',
      met: '—',
    });
    rows.push({
      metric: `system (${fmt(t.firms)} firms): CPU over the load, API / worker / database / simulator / bench (receiver, sampling), s (% of a core)`,
      median: `${cpu(t.cpu.api)} / ${cpu(t.cpu.worker)} / ${cpu(t.cpu.database)} / ${cpu(t.cpu.simulator)} / ${cpu(t.cpu.bench)}`,
      baseline: '—',
      ratio: `${fmt(t.cpu.machineBusy * 100, 0)}% of ${st.cores} cores`,
      target: '—',
      met: '—',
    });
  }
  if (sys.search) {
    rows.push({
      metric: `system: highest load held (freshness p99 < 2 s, no backlog growing, all delivered); tried ${sys.trials.map((t) => `${t.firms}${t.held ? ' ✓' : ' ✗'}`).join(', ')} (${sys.search.stoppedBy})`,
      median: `${fmt(sys.search.highestHeld)} firms (${fmt(sys.search.highestHeld * st.ratePerFirm)} results/s)`,
      baseline: '—',
      ratio: '—',
      target: '≥ 100 firms',
      met: yesNo(sys.search.highestHeld >= 100),
    });
  }
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: cleaning up (children, database)…`);
    void cleanUp().finally(() => process.exit(130));
  });
}

main()
  .catch((error: Error) => {
    log(`bench failed: ${error.stack ?? error.message}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanUp();
    // Nest apps and pools closed; anything left (keep-alive sockets) must not keep the bench alive.
    process.exit(process.exitCode ?? 0);
  });
