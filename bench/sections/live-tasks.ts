import { Test, TestingModule } from '@nestjs/testing';
import { RunSyncPass } from '@app/task';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { BENCH_FIRM, contactsByTask, scalar, seedContacts, seedFirmBot, seedTasks, truncateAll } from '../lib/db';
import { BenchSimulator } from '../lib/simulator';
import { SectionContext, setAppEnv } from '../lib/context';
import { countQueries } from '../lib/query-count';
import { log, round, timed, waitFor } from '../lib/util';

export interface LiveTasksRun {
  concurrency: number;
  tasks: number;
  /** Tasks whose campaign had a new record this pass. */
  newsTasks: number;
  passMs: number;
  recordsStored: number;
  failed: number;
  platformCalls: number;
  queries: number;
  /** Per task without news (a run where no task has any): the pass's statements and platform calls over its tasks. */
  perIdleTask?: { queries: number; platformCalls: number };
  topShapes: [string, number][];
}

export interface LiveTasksResult {
  tasks: number;
  /** Of `tasks`: with no campaign, every contact waiting an hour (passed over after the warm-up pass). */
  waitingTasks: number;
  newsPercent: number;
  platformLatencyMs: number;
  runs: LiveTasksRun[];
  idle: LiveTasksRun;
}

/**
 * Many live tasks (issue 14.2): `tasks` tasks in progress, each with a running campaign on the simulator that has
 * nothing new (its calls last an hour), the platform answering every request in `platformLatencyMs` (a
 * remote platform). Before each measured pass, `newsPercent` of the tasks get a new campaign (still running)
 * with one call made: one new record each. One sync pass of the real worker module (in this process) is timed per concurrency
 * setting, counting the statements its connections send and the platform requests the simulator received; a
 * pass with no news at all gives the cost of a task without news.
 */
export async function runLiveTasks(ctx: SectionContext): Promise<LiveTasksResult> {
  const { db, config } = ctx;
  const { tasks: liveTasks, newsPercent, waitingPercent, concurrencies } = config.liveTasks;
  // Beside the live tasks, tasks with no campaign whose contacts all wait for a retry gap (an hour): nothing to
  // do before then, so after the first pass they should cost nothing.
  const waitingTasks = Math.round((liveTasks * waitingPercent) / 100);
  const tasks = liveTasks + waitingTasks;
  const platformLatencyMs = config.scaling.platformLatencyMs;
  const dialled = new Set<string>();
  // Calls last an hour (campaigns keep running, with nothing new), except to the numbers in `dialled`: at once.
  const simulator = await BenchSimulator.start({
    callMs: 3_600_000,
    parallelism: 10,
    callMsOf: (phone) => (dialled.has(phone) ? 0 : undefined),
  });
  ctx.onCleanup(() => simulator.close().catch(() => undefined));
  await truncateAll(db.pool);
  await seedFirmBot(db.pool, BENCH_FIRM, tasks);
  await seedTasks(db, { firstId: 1, count: tasks, status: 3, batchSize: 2, maxAttempts: 2, retryGapMinutes: 60 });
  await seedContacts(db, { firstTaskId: 1, tasks, perTask: 2, status: 2, inCallTaskOfSameId: true });
  if (waitingTasks > 0) {
    await db.pool.query(
      `UPDATE ai_visitor_list SET status = 1, attempts = 1, call_task_id = NULL, next_attempt_at = DATE_ADD(UTC_TIMESTAMP(3), INTERVAL 1 HOUR)
        WHERE task_id > ?`,
      [liveTasks],
    );
  }
  const byTask = await contactsByTask(db.pool, 1, liveTasks);
  log(
    `live tasks: ${liveTasks} live tasks and ${waitingTasks} waiting ones seeded; creating the live ones' campaigns (running, nothing dialled yet)`,
  );
  const batches = [...byTask.entries()].map(([taskId, contacts]) => ({
    taskId,
    requestId: `bench-live-${taskId}-1`,
    contacts,
  }));
  const campaignIds = await simulator.createCampaigns(batches, true);
  await db.pool.query(
    'INSERT INTO ai_visitor_call_task (id, task_id, batch_no, request_id, campaign_id, status, contact_count) VALUES ?',
    [batches.map((b) => [b.taskId, b.taskId, 1, b.requestId, campaignIds.get(b.requestId)!, 1, b.contacts.length])],
  );
  let nextCallTaskId = tasks + 1;

  /** Gives `count` tasks (from `first` on) a new running campaign with one call made: one new record each. */
  const giveNews = async (first: number, count: number, round: number): Promise<void> => {
    const news = Array.from({ length: count }, (_, i) => ((first + i - 1) % liveTasks) + 1);
    for (const taskId of news) dialled.add(byTask.get(taskId)![0].phone);
    const fresh = news.map((taskId) => ({
      taskId,
      requestId: `bench-live-${taskId}-${round}`,
      contacts: byTask.get(taskId)!,
    }));
    const ids = await simulator.createCampaigns(fresh, true);
    await db.pool.query(`UPDATE ai_visitor_call_task SET status = 3 WHERE task_id IN (?) AND status IN (0, 1, 2)`, [
      news,
    ]);
    await db.pool.query(`UPDATE ai_visitor_list SET status = 2, call_task_id = NULL WHERE task_id IN (?)`, [news]);
    const rows = fresh.map((f) => [
      nextCallTaskId++,
      f.taskId,
      round,
      f.requestId,
      ids.get(f.requestId)!,
      1,
      f.contacts.length,
    ]);
    await db.pool.query(
      'INSERT INTO ai_visitor_call_task (id, task_id, batch_no, request_id, campaign_id, status, contact_count) VALUES ?',
      [rows],
    );
    for (const [i, taskId] of news.entries()) {
      await db.pool.query('UPDATE ai_visitor_list SET call_task_id = ? WHERE task_id = ?', [rows[i][0], taskId]);
    }
    await waitFor(
      'the new calls to end',
      30_000,
      async () => {
        const done = await Promise.all(
          fresh.map(async (f) => (await simulator.campaign(ids.get(f.requestId)!)).dialled_count >= 1),
        );
        return done.every(Boolean) ? true : undefined;
      },
      50,
    );
    for (const taskId of news) dialled.delete(byTask.get(taskId)![0].phone);
  };

  const pass = async (concurrency: number, newsTasks: number): Promise<LiveTasksRun> => {
    setAppEnv(db, simulator.baseUrl, { SYNC_CONCURRENCY: String(concurrency) });
    const worker: TestingModule = await Test.createTestingModule({
      imports: [WorkerModule.forRoot({ scheduled: false })],
    }).compile();
    worker.useLogger(['error']);
    await worker.init();
    try {
      const storedBefore = await scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_call_record');
      const before = await simulator.requestCounts();
      const { value: run, queries } = await countQueries(() => timed(() => worker.get(RunSyncPass).execute()));
      const after = await simulator.requestCounts();
      const platformCalls = Object.entries(after).reduce((n, [k, v]) => n + v - (before[k] ?? 0), 0);
      const stored = (await scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_call_record')) - storedBefore;
      return {
        concurrency,
        tasks: run.value.tasks,
        newsTasks,
        passMs: round(run.ms, 0),
        recordsStored: stored,
        failed: run.value.failed,
        platformCalls,
        queries: queries.total,
        topShapes: queries.byShape.slice(0, 12),
      };
    } finally {
      await worker.close();
    }
  };

  const runs: LiveTasksRun[] = [];
  let idle: LiveTasksRun;
  try {
    // Campaign creation above ran without latency; from here the platform answers like a remote one.
    await simulator.setLatency(platformLatencyMs);
    // A first pass, not measured: each campaign's first (empty) page gives the cursor that is then stored, and
    // the waiting tasks are found to have nothing due for an hour.
    const warmUp = await pass(concurrencies[concurrencies.length - 1], 0);
    log(
      `live tasks: warm-up pass over ${warmUp.tasks} tasks in ${(warmUp.passMs / 1000).toFixed(1)} s (${warmUp.queries} statements)`,
    );
    const newsTasks = Math.max(1, Math.round((liveTasks * newsPercent) / 100));
    for (const [i, concurrency] of concurrencies.entries()) {
      await simulator.setLatency(0);
      await giveNews(1 + i * newsTasks, newsTasks, i + 2);
      await simulator.setLatency(platformLatencyMs);
      const r = await pass(concurrency, newsTasks);
      runs.push(r);
      log(
        `live tasks: concurrency ${concurrency}: pass over ${r.tasks} tasks (${newsTasks} with news) in ${(r.passMs / 1000).toFixed(1)} s; ` +
          `${r.recordsStored} records stored, ${r.failed} failed; ${r.platformCalls} platform calls, ${r.queries} statements; most frequent:`,
      );
      for (const [shape, n] of r.topShapes.slice(0, 6)) log(`  ${String(n).padStart(7)}  ${shape}`);
    }
    const defaultConcurrency = concurrencies.includes(config.liveTasks.defaultConcurrency)
      ? config.liveTasks.defaultConcurrency
      : concurrencies[concurrencies.length - 1];
    idle = await pass(defaultConcurrency, 0);
    idle.perIdleTask = {
      queries: round(idle.queries / Math.max(idle.tasks, 1), 2),
      platformCalls: round(idle.platformCalls / Math.max(idle.tasks, 1), 2),
    };
    log(
      `live tasks: no news at all, concurrency ${defaultConcurrency}: ${idle.tasks} tasks in ${(idle.passMs / 1000).toFixed(1)} s; per task ` +
        `${idle.perIdleTask.queries} statements and ${idle.perIdleTask.platformCalls} platform calls; by shape:`,
    );
    for (const [shape, n] of idle.topShapes) log(`  ${String(n).padStart(7)}  ${shape}`);
  } finally {
    await simulator.close().catch(() => undefined);
    await truncateAll(db.pool);
  }
  return { tasks, waitingTasks, newsPercent, platformLatencyMs, runs, idle };
}
