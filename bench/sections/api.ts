import autocannon from 'autocannon';
import { join } from 'path';
import { RowDataPacket } from 'mysql2/promise';
import {
  BENCH_ACCOUNT,
  BENCH_FIRM,
  contactsByTask,
  seedContacts,
  seedFirmBot,
  seedTasks,
  truncateAll,
} from '../lib/db';
import { BenchSimulator } from '../lib/simulator';
import { AppBuild, LogSummary, spawnNode, summarizeLog, waitLive } from '../lib/children';
import { appEnv, SectionContext, SERVICE_TOKEN } from '../lib/context';
import { log, median, processCpuMs, round, sleep, freePort } from '../lib/util';

export type Scenario = 'stats' | 'me' | 'start_noop' | 'pause_start';

const SCENARIOS: Scenario[] = ['stats', 'me', 'start_noop', 'pause_start'];

export interface ScenarioRun {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  /**
   * CPU time of the API process per request (µs, user + system, from /proc), over the run. Steadier than req/s on
   * a shared machine: it does not move with the CPU other processes take, only with what a request costs.
   */
  apiCpuUsPerRequest?: number;
}

export interface ApiResult {
  how: string;
  build: AppBuild['kind'];
  connections: number;
  durationS: number;
  poolTasks: number;
  contactsPerTask: number;
  logLevel: string;
  bootMs: number;
  perRep: Record<Scenario, ScenarioRun>[];
  median: Record<
    Scenario,
    { rps: number; p50: number; p99: number; non2xx: number; errors: number; apiCpuUsPerRequest: number | null }
  >;
  /** stats rps ÷ me rps within each repetition (the two run back to back), then the median: the API against its own ceiling. */
  statsToCeilingPerRep: number[];
  statsToCeiling: number;
  /** me's API CPU per request ÷ stats's, per repetition, then the median: the req/s ratio an API-bound box would show. */
  cpuToCeilingPerRep: (number | null)[];
  cpuToCeiling: number | null;
  apiLog: LogSummary;
}

/**
 * One API process (the real main.js of the compiled app, its pino logger at LOG_LEVEL) under autocannon from
 * this process, on a pool of running tasks whose campaigns run (slowly) on a simulator:
 *  - stats: GET /v1/tasks/:id/stats, rotating over the pool (a pure read; each task holds `contactsPerTask`);
 *  - me: GET /v1/me, the authenticated route that does no domain work (no database): the ceiling of this process
 *    behind the same global pieces (auth guard, throttler, logging, metrics, validation, error filter). Run
 *    back to back with stats in every repetition, in alternating order, so the two see the same machine;
 *  - start_noop: POST /v1/tasks/:id/start on running tasks: the no-op path (lock, checks, the task view);
 *  - pause_start: each connection takes a free task and alternates POST pause / POST start on it: every request
 *    is a real transition with its call to the platform (the simulator) in between two transactions.
 */
export async function runApi(ctx: SectionContext, build: AppBuild): Promise<ApiResult> {
  const { db, config } = ctx;
  const { connections, durationS, poolTasks, contactsPerTask } = config.api;
  const logLevel = process.env.BENCH_API_LOG_LEVEL || 'info';
  // Calls last an hour: the pool's campaigns stay running for the whole section.
  const simulator = await BenchSimulator.start({ callMs: 3_600_000, parallelism: 1 });
  ctx.onCleanup(() => simulator.close().catch(() => undefined));

  await truncateAll(db.pool);
  await seedFirmBot(db.pool, BENCH_FIRM, poolTasks);
  await seedTasks(db, {
    firstId: 1,
    count: poolTasks,
    status: 3,
    batchSize: contactsPerTask,
    maxAttempts: 2,
    retryGapMinutes: 60,
  });
  await seedContacts(db, {
    firstTaskId: 1,
    tasks: poolTasks,
    perTask: contactsPerTask,
    status: 2,
    inCallTaskOfSameId: true,
  });
  const byTask = await contactsByTask(db.pool, 1, poolTasks);
  const batches = [...byTask.entries()].map(([taskId, contacts]) => ({
    taskId,
    requestId: `bench-api-${taskId}`,
    contacts,
  }));
  const campaignIds = await simulator.createCampaigns(batches, true);
  await db.pool.query(
    'INSERT INTO ai_visitor_call_task (id, task_id, batch_no, request_id, campaign_id, status, contact_count) VALUES ?',
    [batches.map((b) => [b.taskId, b.taskId, 1, b.requestId, campaignIds.get(b.requestId)!, 1, b.contacts.length])],
  );

  const port = await freePort();
  const logFile = join(ctx.tmpDir, 'api.log');
  const bootStart = Date.now();
  const api = spawnNode(
    build,
    join(build.dir, 'apps/api/src/main.js'),
    [],
    appEnv(db, simulator.baseUrl, { API_PORT: String(port), LOG_LEVEL: logLevel }),
    logFile,
  );
  ctx.onCleanup(() => api.kill());
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitLive(`${base}/health/live`, api, logFile, 'the API');
    const bootMs = Date.now() - bootStart;
    log(`api: API up on ${base} in ${(bootMs / 1000).toFixed(1)} s (${build.kind} build, LOG_LEVEL=${logLevel})`);

    const headers = {
      Authorization: `Bearer ${SERVICE_TOKEN}`,
      'X-Firm-Id': String(BENCH_FIRM),
      'X-Account-Id': String(BENCH_ACCOUNT),
      'Content-Type': 'application/json',
    };
    const taskIds = Array.from({ length: poolTasks }, (_, i) => i + 1);
    // After a pause/start run some tasks may be left paused, and a pause autocannon gave up on at the end of the
    // run may still be committing: start whatever is not running until the pool stays running for a moment.
    const restoreRunning = async () => {
      let quiet = 0;
      for (let round = 0; round < 40 && quiet < 2; round++) {
        const [rows] = await db.pool.query<RowDataPacket[]>(
          'SELECT id FROM ai_visitor_task WHERE status <> 3 ORDER BY id',
        );
        if (rows.length === 0) {
          quiet++;
        } else {
          quiet = 0;
          for (const { id } of rows) {
            const res = await fetch(`${base}/v1/tasks/${id}/start`, { method: 'POST', headers });
            if (!res.ok) throw new Error(`start of task ${id} answered ${res.status}: ${await res.text()}`);
          }
        }
        await sleep(250);
      }
      if (quiet < 2) throw new Error('the pool tasks could not be brought back to running');
    };
    await restoreRunning();

    const scenarios: Record<Scenario, () => autocannon.Options['requests']> = {
      stats: () => {
        let next = 0;
        return [
          {
            method: 'GET',
            setupRequest: (req) => ({ ...req, path: `/v1/tasks/${taskIds[next++ % taskIds.length]}/stats` }),
          },
        ];
      },
      me: () => [{ method: 'GET', path: '/v1/me' }],
      start_noop: () => {
        let next = 0;
        return [
          {
            method: 'POST',
            setupRequest: (req) => ({ ...req, path: `/v1/tasks/${taskIds[next++ % taskIds.length]}/start` }),
          },
        ];
      },
      pause_start: () => {
        const free = [...taskIds];
        let fallback = 0;
        return [
          {
            method: 'POST',
            setupRequest: (req, context: object) => {
              const task = free.shift() ?? taskIds[fallback++ % taskIds.length];
              (context as { task?: number }).task = task;
              return { ...req, path: `/v1/tasks/${task}/pause` };
            },
          },
          {
            method: 'POST',
            setupRequest: (req, context: object) => ({
              ...req,
              path: `/v1/tasks/${(context as { task?: number }).task}/start`,
            }),
            onResponse: (_status, _body, context: object) => {
              free.push((context as { task: number }).task);
            },
          },
        ];
      },
    };

    const fire = (scenario: Scenario, duration: number): Promise<ScenarioRun> =>
      new Promise((resolve, reject) => {
        const cpuBefore = processCpuMs(api.child.pid);
        autocannon(
          { url: base, connections, duration, headers, requests: scenarios[scenario](), timeout: 20 },
          (error: Error | null, result) => {
            if (error) return reject(error);
            const cpuAfter = processCpuMs(api.child.pid);
            resolve({
              rps: round(result.requests.average, 1),
              p50: result.latency.p50,
              p99: result.latency.p99,
              requests: result.requests.total,
              non2xx: result.non2xx,
              errors: result.errors,
              apiCpuUsPerRequest:
                cpuBefore === undefined || cpuAfter === undefined || !result.requests.total
                  ? undefined
                  : round(((cpuAfter - cpuBefore) * 1000) / result.requests.total, 0),
            });
          },
        );
      });

    log(`api: warm-up (2 s per scenario)`);
    for (const s of SCENARIOS) {
      await fire(s, 2);
      await restoreRunning();
    }
    const perRep: Record<Scenario, ScenarioRun>[] = [];
    for (let rep = 0; rep < config.repsExpensive; rep++) {
      const runs = {} as Record<Scenario, ScenarioRun>;
      // stats and its ceiling back to back, in alternating order, so neither always follows the heavier scenarios.
      const order: Scenario[] =
        rep % 2 === 0 ? ['stats', 'me', 'start_noop', 'pause_start'] : ['me', 'stats', 'start_noop', 'pause_start'];
      for (const s of order) {
        runs[s] = await fire(s, durationS);
        await restoreRunning();
        await sleep(200);
      }
      perRep.push(runs);
      log(
        `api: rep ${rep + 1}/${config.repsExpensive}: ` +
          SCENARIOS.map((s) => [s, runs[s]] as const)
            .map(
              ([s, r]) =>
                `${s} ${r.rps}/s p99 ${r.p99} ms (${r.apiCpuUsPerRequest ?? '?'} µs CPU)${r.non2xx || r.errors ? ` (non-2xx ${r.non2xx}, errors ${r.errors})` : ''}`,
            )
            .join('; ') +
          `; stats / me ${round(runs.stats.rps / runs.me.rps, 3)}` +
          (runs.me.apiCpuUsPerRequest && runs.stats.apiCpuUsPerRequest
            ? `, by CPU ${round(runs.me.apiCpuUsPerRequest / runs.stats.apiCpuUsPerRequest, 3)}`
            : ''),
      );
    }
    const med = {} as ApiResult['median'];
    for (const s of SCENARIOS) {
      med[s] = {
        rps: round(median(perRep.map((r) => r[s].rps)), 1),
        p50: round(median(perRep.map((r) => r[s].p50)), 1),
        p99: round(median(perRep.map((r) => r[s].p99)), 1),
        non2xx: perRep.reduce((n, r) => n + r[s].non2xx, 0),
        errors: perRep.reduce((n, r) => n + r[s].errors, 0),
        apiCpuUsPerRequest: perRep.every((r) => r[s].apiCpuUsPerRequest !== undefined)
          ? round(median(perRep.map((r) => r[s].apiCpuUsPerRequest!)), 0)
          : null,
      };
    }
    const statsToCeilingPerRep = perRep.map((r) => round(r.stats.rps / r.me.rps, 3));
    const cpuToCeilingPerRep = perRep.map((r) =>
      r.me.apiCpuUsPerRequest && r.stats.apiCpuUsPerRequest
        ? round(r.me.apiCpuUsPerRequest / r.stats.apiCpuUsPerRequest, 3)
        : null,
    );
    const cpuRatios = cpuToCeilingPerRep.filter((x): x is number => x !== null);
    return {
      how: 'child process: node <build>/apps/api/src/main.js (the real entry point), autocannon in the bench process',
      build: build.kind,
      connections,
      durationS,
      poolTasks,
      contactsPerTask,
      logLevel,
      bootMs,
      perRep,
      median: med,
      statsToCeilingPerRep,
      statsToCeiling: round(median(statsToCeilingPerRep), 3),
      cpuToCeilingPerRep,
      cpuToCeiling: cpuRatios.length ? round(median(cpuRatios), 3) : null,
      apiLog: summarizeLog(logFile),
    };
  } finally {
    await api.kill();
    await simulator.close().catch(() => undefined);
    await truncateAll(db.pool);
  }
}
