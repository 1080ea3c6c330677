import { readFileSync } from 'fs';
import { cpus } from 'os';
import { join } from 'path';
import { scalar, seedContacts, seedFirmBot, seedTasks, truncateAll } from '../lib/db';
import { BenchSimulator } from '../lib/simulator';
import { AppBuild, LogSummary, logSize, SpawnedChild, spawnNode, summarizeLog, REPO } from '../lib/children';
import { appEnv, SectionContext } from '../lib/context';
import { localDatabaseCpuMs, log, median, round } from '../lib/util';

/** As package.json's start:worker and docker-compose.yml run the worker (docs/operations.md, "Worker memory"). */
export const WORKER_HEAP_FLAG = '--max-old-space-size=128';

interface PassInfo {
  /** Wall time of the pass (in once mode: of the whole process, boot included). */
  ms: number;
  /** Once mode: the pass itself, as the worker logged it. */
  passMs?: number;
  tasks: number;
  failed: number;
  stored: number;
  completed: number;
}

interface DoneMessage {
  type: 'done';
  outcome: 'completed' | 'stopped' | 'bounded';
  goAt: number;
  doneAt: number;
  left: number;
  passes: PassInfo[];
  maxRssKb: number;
  /** CPU time the worker used from the start signal to this report. */
  cpuMs: number;
  rssBytes: number;
  heapUsedBytes: number;
}

export interface ScaleRun {
  /** The repetition: runs of one repetition are compared with each other. */
  rep: number;
  workers: number;
  wallMs: number;
  completedTasks: number;
  allCompleted: boolean;
  records: number;
  campaigns: number;
  passesPerWorker: number[];
  failedTaskSyncs: number;
  peakRssMb: number;
  /** Per worker: each pass's duration and what it did. */
  passes: PassInfo[][];
  /** Per worker: warn/error lines it logged during this run (lock conflicts, duplicate launches…). */
  logs: LogSummary[];
  /** Loop mode, per worker, when it reported: resident set and V8 heap in use (MB). */
  memoryAtEndMb?: { rss: number; heapUsed: number }[];
  /**
   * CPU time during the run (ms): each worker (loop mode), this process (the simulator and the bench's
   * polling), and the local database server when there is one; `machineBusy` is their sum over the time the
   * machine's cores offered (wall × cores): near 1, the machine itself is the bound.
   */
  cpu: { workersMs?: number[]; benchMs: number; databaseMs?: number; machineBusy?: number };
}

export interface ScaleResult {
  how: string;
  mode: 'loop' | 'once';
  build: AppBuild['kind'];
  tasks: number;
  contactsPerTask: number;
  taskSettings: string;
  syncConcurrency: string;
  bootMs: number[];
  runs: ScaleRun[];
  oneWorkerMs: number;
  twoWorkersMs: number;
  fourWorkersMs?: number;
  /** Median over repetitions of (1-worker time / 2-worker time), each pair from one repetition. */
  speedUp: number;
  /** The same with 4 workers, when measured. */
  speedUp4?: number;
  workerCounts: number[];
  /** Median share of the machine's cores busy during the 1-worker runs, when it could be measured. */
  oneWorkerMachineBusy?: number;
  cores: number;
  /** Latency the simulator added to every platform request (BENCH_SCALE_LATENCY_MS). */
  platformLatencyMs: number;
  peakRssMb: number;
  workerLogs: LogSummary[];
  note: string;
}

interface WorkerHandle {
  proc: SpawnedChild;
  next(): Promise<Record<string, unknown>>;
}

function handle(proc: SpawnedChild): WorkerHandle {
  const queue: Record<string, unknown>[] = [];
  const waiters: ((m: Record<string, unknown>) => void)[] = [];
  proc.child.on('message', (m: Record<string, unknown>) => {
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  });
  proc.child.on('exit', (code) => {
    const m = { type: 'failed', message: `worker exited with ${code}; see ${proc.logFile}` };
    for (const w of waiters.splice(0)) w(m);
    queue.push(m);
  });
  return {
    proc,
    next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((resolve) => waiters.push(resolve))),
  };
}

/** The (1 worker, 2 workers) runs of each repetition. */
/** Per repetition, the 1-worker time over the `workers`-worker time. */
function speedUps(runs: ScaleRun[], workers: number): number[] {
  const reps = [...new Set(runs.map((r) => r.rep))];
  return reps.flatMap((rep) => {
    const one = runs.find((r) => r.rep === rep && r.workers === 1);
    const many = runs.find((r) => r.rep === rep && r.workers === workers);
    return one && many ? [one.wallMs / many.wallMs] : [];
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)),
    ),
  ]);
}

/** What one worker lane did during one run, whichever way it ran. */
interface LaneResult {
  passes: PassInfo[];
  /** When it saw no task left (or stopped). */
  doneAt: number;
  left: number;
  peakRssKb: number;
  cpuMs?: number;
  logFile: string;
  logFrom: number;
  memoryAtEndMb?: { rss: number; heapUsed: number };
}

type Mode = 'loop' | 'once';

/** What `main.js --once` logged about its pass ("sync pass finished" with the summary), from its log. */
function passSummary(file: string, from: number, code: number | null): Omit<PassInfo, 'ms'> & { passMs?: number } {
  const text = readFileSync(file).subarray(from).toString('utf8');
  for (const line of text.split('\n').reverse()) {
    if (!line.includes('sync pass finished')) continue;
    try {
      const p = JSON.parse(line) as {
        tasks: number;
        failed: number;
        recordsStored: number;
        completed: number;
        durationMs: number;
      };
      return {
        tasks: p.tasks,
        failed: p.failed,
        stored: p.recordsStored,
        completed: p.completed,
        passMs: p.durationMs,
      };
    } catch {
      break;
    }
  }
  return { tasks: -1, failed: code === 0 ? 0 : code === 2 ? 1 : -1, stored: -1, completed: -1 };
}

/** Peak RSS (VmHWM) of a live process, from /proc (Linux); 0 when unavailable. */
function vmHwmKb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * T tasks × C contacts, all in progress with nothing dialled yet, synced to completion by 1 and by 2 worker
 * processes. Every task's contacts fit one campaign; failed calls are retried once at once (max_attempts 2,
 * retry gap 0), and "inconvenient now" is called back at once. The simulator dials instantly, so the time is
 * the sync's. Two ways to run a worker (BENCH_WORKER_MODE):
 *  - loop (default): bench/children/worker-child.js boots the compiled WorkerModule once (like a long-lived
 *    worker) and runs the worker's sync job (WorkerJobRunner) passes back to back; boot time stays out of the measurement;
 *  - once: `node <build>/apps/worker/src/main.js --once` spawned again and again, one pass per process, as a
 *    cron-less deployment would; every pass pays the process start and the Nest boot.
 */
export async function runScale(ctx: SectionContext, build: AppBuild): Promise<ScaleResult> {
  const { db, config } = ctx;
  const { tasks, contactsPerTask, timeoutS, maxPasses } = config.scaling;
  const mode: Mode = process.env.BENCH_WORKER_MODE === 'once' ? 'once' : 'loop';
  const platformLatencyMs = config.scaling.platformLatencyMs;
  const simulator = await BenchSimulator.start({ callMs: 0, parallelism: 10_000, delayMs: platformLatencyMs });
  ctx.onCleanup(() => simulator.close().catch(() => undefined));
  const cores = cpus().length;
  const env = appEnv(db, simulator.baseUrl, {
    LOG_LEVEL: process.env.BENCH_WORKER_LOG_LEVEL || 'info',
    // Each worker syncs this many tasks at once (BENCH_SCALE_SYNC_CONCURRENCY, default 4): the regime where a
    // worker's time goes to waiting on the platform, which more workers divide. (At the default of 48 one worker
    // already keeps this many tasks' requests in flight: the live section measures that.)
    SYNC_CONCURRENCY: String(config.scaling.syncConcurrency),
    // The heap cap the worker is deployed with (package.json start:worker, docker-compose.yml).
    NODE_OPTIONS: [process.env.NODE_OPTIONS, WORKER_HEAP_FLAG].filter(Boolean).join(' '),
  });
  const counts = config.scaling.workerCounts;
  const maxWorkers = Math.max(...counts);
  const logFiles = Array.from({ length: maxWorkers }, (_, i) => join(ctx.tmpDir, `worker-${i + 1}.log`));
  const remaining = () => scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_task WHERE status NOT IN (5, 6)');

  const workers: WorkerHandle[] = [];
  const bootMs: number[] = [];
  if (mode === 'loop') {
    for (let i = 0; i < maxWorkers; i++) {
      const proc = spawnNode(build, join(REPO, 'bench', 'children', 'worker-child.js'), [], env, logFiles[i], true);
      ctx.onCleanup(() => proc.kill());
      workers.push(handle(proc));
    }
  }

  /** Loop mode: `go` to the persistent children; each reports when it saw no task left. */
  const runLoop = async (count: number, goAt: number): Promise<LaneResult[]> => {
    const active = workers.slice(0, count);
    const logFrom = active.map((w) => logSize(w.proc.logFile));
    for (const w of active) w.proc.child.send({ type: 'go', maxPasses, maxMs: timeoutS * 1000 });
    const lanes: LaneResult[] = [];
    await Promise.all(
      active.map(async (w, i) => {
        const m = await withTimeout(w.next(), (timeoutS + 120) * 1000, 'a worker to finish');
        if (m.type !== 'done') throw new Error(`worker failed: ${String(m.message)}`);
        const done = m as unknown as DoneMessage;
        // Every task is complete: the other worker may stop after its current pass.
        if (done.left === 0) for (const other of active) if (other !== w) other.proc.child.send({ type: 'stop' });
        lanes[i] = {
          passes: done.passes,
          doneAt: done.doneAt,
          left: done.left,
          peakRssKb: done.maxRssKb,
          cpuMs: done.cpuMs,
          logFile: w.proc.logFile,
          logFrom: logFrom[i],
          memoryAtEndMb: { rss: round(done.rssBytes / 2 ** 20, 1), heapUsed: round(done.heapUsedBytes / 2 ** 20, 1) },
        };
      }),
    );
    void goAt;
    return lanes;
  };

  /** Once mode: each lane spawns `main.js --once` until no task is left (or the other lane saw none left). */
  const runOnce = async (count: number, goAt: number): Promise<LaneResult[]> => {
    let finished = false;
    const lane = async (i: number): Promise<LaneResult> => {
      const result: LaneResult = {
        passes: [],
        doneAt: 0,
        left: -1,
        peakRssKb: 0,
        logFile: logFiles[i],
        logFrom: logSize(logFiles[i]),
      };
      while (!finished && result.passes.length < maxPasses && Date.now() - goAt < timeoutS * 1000) {
        const t0 = Date.now();
        const from = logSize(logFiles[i]);
        const proc = spawnNode(build, join(build.dir, 'apps/worker/src/main.js'), ['--once'], env, logFiles[i]);
        ctx.onCleanup(() => proc.kill());
        let peak = 0;
        const poll = setInterval(() => (peak = Math.max(peak, vmHwmKb(proc.child.pid))), 25);
        const code = await withTimeout(proc.exited, (timeoutS + 120) * 1000, 'worker --once to exit');
        clearInterval(poll);
        result.peakRssKb = Math.max(result.peakRssKb, peak);
        result.passes.push({ ms: Date.now() - t0, ...passSummary(logFiles[i], from, code) });
        result.left = await remaining();
        if (result.left === 0) finished = true;
      }
      result.doneAt = Date.now();
      return result;
    };
    return Promise.all(Array.from({ length: count }, (_, i) => lane(i)));
  };

  try {
    if (mode === 'loop') {
      for (const w of workers) {
        const m = await withTimeout(w.next(), 180_000, 'a worker to boot');
        if (m.type !== 'ready') throw new Error(`worker failed to boot: ${String(m.message)}`);
        bootMs.push(Number(m.bootMs));
      }
      log(
        `scale: ${maxWorkers} worker processes up (Nest init ${bootMs.map((b) => (b / 1000).toFixed(1)).join(' s, ')} s, ${build.kind} build)`,
      );
    } else {
      log(`scale: workers run as \`main.js --once\` processes, one pass each (${build.kind} build)`);
    }

    const runs: ScaleRun[] = [];
    for (let rep = 0; rep < config.repsExpensive; rep++) {
      // Rotate the order, so drift on a noisy machine does not favour one configuration.
      const order = counts.map((_, i) => counts[(i + rep) % counts.length]);
      for (const count of order) {
        await truncateAll(db.pool);
        await simulator.reset();
        await seedFirmBot(db.pool, 1, tasks);
        await seedTasks(db, {
          firstId: 1,
          count: tasks,
          status: 3,
          batchSize: contactsPerTask,
          maxAttempts: 2,
          retryGapMinutes: 0,
        });
        await seedContacts(db, { firstTaskId: 1, tasks, perTask: contactsPerTask, status: 1 });
        const goAt = Date.now();
        const benchCpuAtGo = process.cpuUsage();
        const databaseCpuAtGo = localDatabaseCpuMs();
        const lanes = mode === 'loop' ? await runLoop(count, goAt) : await runOnce(count, goAt);
        const benchCpu = process.cpuUsage(benchCpuAtGo);
        const databaseCpuAtEnd = localDatabaseCpuMs();
        const completedAt = lanes.filter((l) => l.left === 0).map((l) => l.doneAt);
        const lastReportAt = Math.max(...lanes.map((l) => l.doneAt));
        const completedTasks = await scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_task WHERE status = 5');
        const workersCpu = lanes.every((l) => l.cpuMs !== undefined) ? lanes.map((l) => l.cpuMs!) : undefined;
        const benchMs = Math.round((benchCpu.user + benchCpu.system) / 1000);
        const databaseMs =
          databaseCpuAtGo !== undefined && databaseCpuAtEnd !== undefined
            ? databaseCpuAtEnd - databaseCpuAtGo
            : undefined;
        const run: ScaleRun = {
          rep,
          workers: count,
          // Until the first moment a worker saw every task completed.
          wallMs: (completedAt.length ? Math.min(...completedAt) : lastReportAt) - goAt,
          completedTasks,
          allCompleted: completedTasks === tasks,
          records: await scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_call_record'),
          campaigns: await scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_call_task'),
          passesPerWorker: lanes.map((l) => l.passes.length),
          failedTaskSyncs: lanes.reduce((n, l) => n + l.passes.reduce((k, p) => k + Math.max(0, p.failed), 0), 0),
          peakRssMb: round(Math.max(...lanes.map((l) => l.peakRssKb)) / 1024, 1),
          passes: lanes.map((l) => l.passes),
          logs: lanes.map((l) => summarizeLog(l.logFile, 4, l.logFrom)),
          ...(mode === 'loop' ? { memoryAtEndMb: lanes.map((l) => l.memoryAtEndMb!) } : {}),
          cpu: {
            workersMs: workersCpu,
            benchMs,
            databaseMs,
            // Every CPU counter runs until the last report (a worker may finish its pass after the first saw none left).
            machineBusy:
              workersCpu && databaseMs !== undefined
                ? round(
                    (workersCpu.reduce((a, b) => a + b, 0) + benchMs + databaseMs) / ((lastReportAt - goAt) * cores),
                    2,
                  )
                : undefined,
          },
        };
        runs.push(run);
        log(
          `scale: rep ${rep + 1}/${config.repsExpensive}, ${count} worker(s): ${run.completedTasks}/${tasks} tasks completed in ${(run.wallMs / 1000).toFixed(2)} s, ` +
            `${run.records} records, ${run.campaigns} campaigns, passes ${run.passesPerWorker.join('+')}, failed task syncs ${run.failedTaskSyncs}, ` +
            `warnings ${run.logs.map((l) => l.warn).join('+')}, errors ${run.logs.map((l) => l.error).join('+')}, peak RSS ${run.peakRssMb} MB` +
            (run.cpu.machineBusy !== undefined
              ? `; CPU s: workers ${run.cpu.workersMs!.map((ms) => (ms / 1000).toFixed(1)).join('+')}, database ${(run.cpu.databaseMs! / 1000).toFixed(1)}, ` +
                `simulator+bench ${(run.cpu.benchMs / 1000).toFixed(1)}: ${Math.round(run.cpu.machineBusy * 100)}% of ${cores} cores busy`
              : ''),
        );
        if (!run.allCompleted)
          log(`scale: WARNING not every task completed (bounded at ${maxPasses} passes / ${timeoutS} s)`);
      }
    }
    const oneWorkerMs = median(runs.filter((r) => r.workers === 1).map((r) => r.wallMs));
    const twoWorkersMs = median(runs.filter((r) => r.workers === 2).map((r) => r.wallMs));
    const four = runs.filter((r) => r.workers === 4);
    return {
      how:
        mode === 'loop'
          ? 'loop: child processes (bench/children/worker-child.js) booting the compiled WorkerModule once, each running the sync job of WorkerJobRunner back to back until no task is left'
          : 'once: each worker is `node <build>/apps/worker/src/main.js --once` spawned again until no task is left (process start and Nest boot included)',
      mode,
      build: build.kind,
      tasks,
      contactsPerTask,
      taskSettings: `batch_size ${contactsPerTask}, max_attempts 2, retry_gap_minutes 0, window 00:00–24:00, INCONVENIENT_CALLBACK_DAYS 0`,
      syncConcurrency: env.SYNC_CONCURRENCY,
      bootMs,
      runs,
      oneWorkerMs: round(oneWorkerMs, 0),
      twoWorkersMs: round(twoWorkersMs, 0),
      fourWorkersMs: four.length ? round(median(four.map((r) => r.wallMs)), 0) : undefined,
      // Runs of one repetition are back to back: speed-up within each, then the median.
      speedUp: round(median(speedUps(runs, 2)), 2),
      speedUp4: four.length ? round(median(speedUps(runs, 4)), 2) : undefined,
      workerCounts: counts,
      oneWorkerMachineBusy: (() => {
        const busy = runs
          .filter((r) => r.workers === 1 && r.cpu.machineBusy !== undefined)
          .map((r) => r.cpu.machineBusy!);
        return busy.length ? round(median(busy), 2) : undefined;
      })(),
      cores,
      platformLatencyMs,
      peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
      workerLogs: logFiles.map((f) => summarizeLog(f)),
      note:
        'Workers share the tasks by lease (SyncLeases): each claims a few tasks per concurrency slot at a time. ' +
        'Whatever the 1-worker run leaves of the machine (1 − oneWorkerMachineBusy, database and simulator on the same cores) is all a second worker can add.',
    };
  } finally {
    for (const w of workers) {
      if (w.proc.child.connected) w.proc.child.send({ type: 'exit' });
    }
    await Promise.all(
      workers.map((w) => withTimeout(w.proc.exited, 15_000, 'a worker to exit').catch(() => w.proc.kill())),
    );
    await simulator.close().catch(() => undefined);
    await truncateAll(db.pool);
  }
}
