import { join } from 'path';
import { CallResultPusher } from '../../apps/robot-call-simulator/src/push/call-result-pusher.service';
import { BENCH_ACCOUNT, BENCH_FIRM, seedContacts, seedFirmBot, seedTasks, truncateAll } from '../lib/db';
import { BenchSimulator } from '../lib/simulator';
import { AppBuild, LogSummary, spawnNode, summarizeLog, waitLive } from '../lib/children';
import { appEnv, SectionContext, SERVICE_TOKEN } from '../lib/context';
import { freePort, log, mapLimit, median, percentile, round, waitFor } from '../lib/util';
import { WORKER_HEAP_FLAG } from './scale';

/** One run of the rollover section: pushes on or off. */
export interface RolloverRun {
  push: boolean;
  tasks: number;
  campaignsPerTask: number;
  /** Rollovers measured: from a campaign's last call's end to the next campaign's first dial on the platform (ms). */
  rollovers: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Share of each task's wall time (first dial → completed) with none of its calls in flight, median over tasks. */
  idleShareMedian: number;
  /** The same over all tasks together (idle time ÷ wall time, summed). */
  idleShareOverall: number;
  wallS: number;
  apiLog: LogSummary;
  workerLog: LogSummary;
}

export interface RolloverResult {
  how: string;
  batchSize: number;
  callMs: number;
  parallelism: number;
  runs: RolloverRun[];
}

/**
 * Rollover (issue 20): how long a task stands idle between its campaigns, with real processes at the default
 * SYNC_CRON (every 30 minutes), SYNC_EDGE_CRON (every minute) and SYNC_SKIP_AFTER_PUSH_SECONDS (300): the API and
 * a worker as children, the simulator (dialling `parallelism` lines a campaign, pushing each result to the API or
 * not) in this process. Every call's dial and end are the simulator's, on this process's clock: a rollover is the
 * next campaign's first dial − the previous campaign's last call's end; idle time is a task's wall time with none of
 * its calls in flight. With pushes on, the push that ends a campaign moves the task on (CampaignEndFollower); with
 * pushes off, the worker's minute check does (its probe), so each rollover waits up to a minute.
 */
export async function runRollover(ctx: SectionContext, build: AppBuild): Promise<RolloverResult> {
  const { tasks, campaigns, batchSize, callMs, parallelism, offCampaigns } = ctx.config.rollover;
  const runs: RolloverRun[] = [await runOnce(ctx, build, true, tasks, campaigns)];
  if (offCampaigns >= 2) runs.push(await runOnce(ctx, build, false, tasks, offCampaigns));
  return {
    how:
      'child processes: node <build>/apps/api/src/main.js and node <build>/apps/worker/src/main.js at the default SYNC_CRON, ' +
      'SYNC_EDGE_CRON and SYNC_SKIP_AFTER_PUSH_SECONDS; the simulator (pushing each record to the API callback, or not) in the bench process',
    batchSize,
    callMs,
    parallelism,
    runs,
  };
}

async function runOnce(
  ctx: SectionContext,
  build: AppBuild,
  push: boolean,
  tasks: number,
  campaignsPerTask: number,
): Promise<RolloverRun> {
  const { db, config } = ctx;
  const { batchSize, callMs, parallelism, timeoutS } = config.rollover;
  const callbackSecret = appEnv(db, '').ROBOT_CALL_CALLBACK_SECRET;
  await truncateAll(db.pool);
  const apiPort = await freePort();
  const workerPort = await freePort();
  const apiBase = `http://127.0.0.1:${apiPort}`;
  // Every call connects or fails once (maxAttempts 1) and none is an "inconvenient now" callback: each task is
  // exactly `campaignsPerTask` campaigns of `batchSize`.
  const simulator = await BenchSimulator.start({
    callMs,
    parallelism,
    pushUrl: push ? `${apiBase}/v1/callbacks/robot-call` : '',
    pushSecret: callbackSecret,
    intentionMix: { 0: 0.1, 1: 0.3, 2: 0.5, 3: 0, 4: 0.1 },
  });
  ctx.onCleanup(() => simulator.close().catch(() => undefined));
  /** Per campaign: its first dial and its last call's end (this process's clock). */
  const calls = new Map<string, { firstDial: number; lastEnd: number; intervals: [number, number][] }>();
  const pusher = simulator.running.app.get(CallResultPusher);
  const recorded = pusher.recorded.bind(pusher);
  pusher.recorded = (campaignId, record) => {
    const end = Date.now();
    const dial = record.calledAt.getTime();
    const c = calls.get(campaignId) ?? { firstDial: dial, lastEnd: end, intervals: [] };
    c.firstDial = Math.min(c.firstDial, dial);
    c.lastEnd = Math.max(c.lastEnd, end);
    c.intervals.push([dial, end]);
    calls.set(campaignId, c);
    recorded(campaignId, record);
  };

  const perTask = campaignsPerTask * batchSize;
  await seedFirmBot(db.pool, BENCH_FIRM, tasks);
  await seedTasks(db, { firstId: 1, count: tasks, status: 1, batchSize, maxAttempts: 1, retryGapMinutes: 0 });
  await seedContacts(db, { firstTaskId: 1, tasks, perTask, status: 1 });

  const label = push ? 'rollover (pushes on)' : 'rollover (pushes off)';
  const env = {
    SYNC_CRON: '*/30 * * * *',
    SYNC_EDGE_CRON: '* * * * *',
    LOG_LEVEL: process.env.BENCH_ROLLOVER_LOG_LEVEL || 'warn',
  };
  const apiLogFile = join(ctx.tmpDir, `rollover-${push ? 'push' : 'poll'}-api.log`);
  const workerLogFile = join(ctx.tmpDir, `rollover-${push ? 'push' : 'poll'}-worker.log`);
  const api = spawnNode(
    build,
    join(build.dir, 'apps/api/src/main.js'),
    [],
    appEnv(db, simulator.baseUrl, { ...env, API_PORT: String(apiPort) }),
    apiLogFile,
  );
  ctx.onCleanup(() => api.kill());
  const workerEnv = appEnv(db, simulator.baseUrl, {
    ...env,
    WORKER_PORT: String(workerPort),
    NODE_OPTIONS: [process.env.NODE_OPTIONS, WORKER_HEAP_FLAG].filter(Boolean).join(' '),
  });
  const worker = spawnNode(build, join(build.dir, 'apps/worker/src/main.js'), [], workerEnv, workerLogFile);
  ctx.onCleanup(() => worker.kill());
  try {
    await waitLive(`${apiBase}/health/live`, api, apiLogFile, 'the API');
    await waitLive(`http://127.0.0.1:${workerPort}/health/live`, worker, workerLogFile, 'the worker');
    log(
      `${label}: ${tasks} tasks of ${campaignsPerTask} campaigns of ${batchSize}, calls of ${callMs} ms on ${parallelism} lines a campaign`,
    );
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
    const started = Date.now();
    await waitFor(
      `${label}: every task completed`,
      timeoutS * 1000,
      async () => {
        const [rows] = (await db.pool.query(
          'SELECT COUNT(*) AS n FROM ai_visitor_task WHERE status = 5',
        )) as unknown as [{ n: number }[]];
        return Number(rows[0].n) === tasks ? true : undefined;
      },
      500,
    );
    const wallS = round((Date.now() - started) / 1000, 1);

    const [order] = (await db.pool.query(
      'SELECT task_id, batch_no, campaign_id FROM ai_visitor_call_task ORDER BY task_id, batch_no',
    )) as unknown as [{ task_id: number; batch_no: number; campaign_id: string | null }[]];
    const [finished] = (await db.pool.query(
      "SELECT id, CONCAT(DATE_FORMAT(finished_at, '%Y-%m-%dT%H:%i:%s.'), LPAD(FLOOR(MICROSECOND(finished_at) / 1000), 3, '0'), 'Z') AS at FROM ai_visitor_task",
    )) as unknown as [{ id: number; at: string }[]];
    const completedAt = new Map(finished.map((f) => [Number(f.id), Date.parse(f.at)]));
    const byTask = new Map<number, string[]>();
    for (const row of order)
      if (row.campaign_id)
        byTask.set(Number(row.task_id), [...(byTask.get(Number(row.task_id)) ?? []), row.campaign_id]);
    const gaps: number[] = [];
    const idleShares: number[] = [];
    let idleSum = 0;
    let wallSum = 0;
    for (const [taskId, campaignIds] of byTask) {
      const seen = campaignIds.map((id) => calls.get(id)).filter((c): c is NonNullable<typeof c> => !!c);
      for (let i = 1; i < seen.length; i++) gaps.push(seen[i].firstDial - seen[i - 1].lastEnd);
      const intervals = seen.flatMap((c) => c.intervals).sort((a, b) => a[0] - b[0]);
      if (intervals.length === 0) continue;
      // To the task's completion (the service's clock, this machine): a last campaign's end waits too.
      const wall = Math.max(completedAt.get(taskId) ?? 0, ...intervals.map((i) => i[1])) - intervals[0][0];
      let busy = 0;
      let [from, to] = intervals[0];
      for (const [a, b] of intervals.slice(1)) {
        if (a > to) {
          busy += to - from;
          [from, to] = [a, b];
        } else to = Math.max(to, b);
      }
      busy += to - from;
      idleShares.push(wall > 0 ? (wall - busy) / wall : 0);
      idleSum += wall - busy;
      wallSum += wall;
    }
    const result: RolloverRun = {
      push,
      tasks,
      campaignsPerTask,
      rollovers: gaps.length,
      p50Ms: percentile(gaps, 50),
      p99Ms: percentile(gaps, 99),
      maxMs: percentile(gaps, 100),
      idleShareMedian: round(median(idleShares), 4),
      idleShareOverall: round(wallSum > 0 ? idleSum / wallSum : 0, 4),
      wallS,
      apiLog: summarizeLog(apiLogFile),
      workerLog: summarizeLog(workerLogFile),
    };
    log(
      `${label}: ${gaps.length} rollovers, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms; ` +
        `idle ${round(result.idleShareMedian * 100, 1)}% of a task's time (median; ${round(result.idleShareOverall * 100, 1)}% overall); ${wallS} s`,
    );
    return result;
  } finally {
    await Promise.all([api.kill(), worker.kill()]);
    await simulator.close().catch(() => undefined);
    await truncateAll(db.pool);
  }
}
