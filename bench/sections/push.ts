import { join } from 'path';
import mysql, { Pool, RowDataPacket } from 'mysql2/promise';
import { Test, TestingModule } from '@nestjs/testing';
import { IngestPushedRecords, RunSyncPass } from '@app/task';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { contactsByTask, scalar, seedContacts, seedFirmBot, seedTasks, truncateAll } from '../lib/db';
import { BenchSimulator } from '../lib/simulator';
import { AppBuild, LogSummary, spawnNode, summarizeLog, waitLive } from '../lib/children';
import { appEnv, SectionContext, setAppEnv } from '../lib/context';
import { countQueries } from '../lib/query-count';
import { freePort, localDatabaseCpuMs, log, mapLimit, round, sleep, timed } from '../lib/util';

/** What the database did for one user's connections over a window (MariaDB's `userstat`), or the server's CPU. */
export interface DatabaseWork {
  /** Database CPU (ms) of the statements of this user's connections (USER_STATISTICS.CPU_TIME). */
  statementsCpuMs?: number;
  /** The database server process's CPU over the window (/proc; background threads and other clients included). */
  serverCpuMs?: number;
  selects?: number;
  /** INSERT, UPDATE, DELETE (and REPLACE). */
  updates?: number;
  /** BEGIN, COMMIT, SET and the rest. */
  others?: number;
  commits?: number;
  rowsRead?: number;
  rowsInserted?: number;
  rowsUpdated?: number;
}

export interface PushSide {
  records: number;
  windowS: number;
  ratePerSec: number;
  work: DatabaseWork;
  /** Per record: database CPU (ms) of the statements, statements, transactions. */
  cpuMsPerRecord?: number;
  serverCpuMsPerRecord?: number;
  statementsPerRecord?: number;
  commitsPerRecord?: number;
}

export interface PushResult {
  tasks: number;
  parallelism: number;
  callMs: number;
  transcriptBytes: number;
  /** Whether per-connection figures were measured (MariaDB `userstat`); else only the server's CPU. */
  perUser: boolean;
  pushed: PushSide;
  polled: PushSide;
  /** pushed ÷ polled database CPU a record (statements' CPU when measured, else the server's). */
  ratioToPolled?: number;
  coalescing?: { transactions: number; pushes: number; perTransaction: number };
  simulatorPush: Record<string, unknown>;
  /** Statements of one push when pushes do not overlap (in this process, through the same use case), by shape. */
  lonePush: { statements: number; byShape: [string, number][] };
  /** The same with `concurrentTasks` tasks pushing at once (one push each, together). */
  concurrentPushes: { tasks: number; statementsPerPush: number; byShape: [string, number][] };
  /**
   * The event write alone (measured once, to decide how it is written): database CPU (µs) of the `contact.called`
   * batch row's INSERT, from transactions with and without it (each also moving a task's `event_seq`, as the ingest
   * does), `transactions` of each. Undefined without per-user figures.
   */
  eventWrite?: { transactions: number; withUs: number; withoutUs: number; insertUs: number };
  apiLog: LogSummary;
}

const TRANSCRIPT_BYTES = 1024;
const CONCURRENT_TASKS = 8;

/**
 * What a pushed record costs the database against a polled one (issue 23): the real API process takes the
 * simulator's signed pushes, one record per push with a 1 KB transcript, at tasks × parallelism ÷ callMs a second
 * (200/s by default); no worker runs, so the relay (the events' delivery) is not in the figure. Then the same
 * number of records, in the same shape of tasks, is read by polling (one sync pass of the worker module in this
 * process). Database CPU per record is what the server spent on each side's connections, which connect as a
 * user of their own (MariaDB's USER_STATISTICS, `userstat` switched on for the run): the other clients of a
 * shared server are not counted. Where that is not available, the server process's CPU is reported instead.
 */
export async function runPush(ctx: SectionContext, build: AppBuild): Promise<PushResult> {
  const { db, config } = ctx;
  const { tasks, parallelism, callMs } = config.push;
  const users = await PerUserStats.open(db.pool, db.name);
  ctx.onCleanup(() => users?.close());
  try {
    const pushedSide = await pushed(ctx, build, users);
    const polled = await polledSide(ctx, pushedSide.pushed.records, users);
    const lone = await statementsOfPushes(ctx);
    const eventWrite = users ? await eventWriteCost(ctx, users) : undefined;
    const base = (s: PushSide) => s.cpuMsPerRecord ?? s.serverCpuMsPerRecord;
    const p = base(pushedSide.pushed);
    const q = base(polled);
    const result: PushResult = {
      tasks,
      parallelism,
      callMs,
      transcriptBytes: TRANSCRIPT_BYTES,
      perUser: users !== undefined,
      pushed: pushedSide.pushed,
      polled,
      ratioToPolled: p !== undefined && q !== undefined && q > 0 ? round(p / q, 2) : undefined,
      coalescing: pushedSide.coalescing,
      simulatorPush: pushedSide.simulatorPush,
      lonePush: lone.lone,
      concurrentPushes: lone.concurrent,
      eventWrite,
      apiLog: pushedSide.apiLog,
    };
    log(
      `push: pushed ${describe(result.pushed)}; polled ${describe(polled)}; pushed ÷ polled ${result.ratioToPolled}; ` +
        `${result.coalescing ? `${result.coalescing.pushes} pushes in ${result.coalescing.transactions} transactions; ` : ''}` +
        `a lone push ${lone.lone.statements} statements, ${CONCURRENT_TASKS} tasks at once ${lone.concurrent.statementsPerPush} a push`,
    );
    if (eventWrite)
      log(
        `push: the event batch row's INSERT: ${eventWrite.insertUs} µs of database CPU (${eventWrite.withUs} µs a transaction with it, ${eventWrite.withoutUs} without)`,
      );
    log('push: statements of a lone push, by shape:');
    for (const [shape, n] of lone.lone.byShape) log(`  ${String(n).padStart(4)}  ${shape}`);
    log(`push: statements of ${CONCURRENT_TASKS} tasks' pushes at once, by shape:`);
    for (const [shape, n] of lone.concurrent.byShape) log(`  ${String(n).padStart(4)}  ${shape}`);
    return result;
  } finally {
    await users?.close();
  }
}

function describe(s: PushSide): string {
  return (
    `${s.records} records in ${s.windowS} s (${s.ratePerSec}/s): ${s.cpuMsPerRecord ?? '?'} ms statements' CPU a record ` +
    `(server ${s.serverCpuMsPerRecord ?? '?'} ms), ${s.statementsPerRecord ?? '?'} statements and ${s.commitsPerRecord ?? '?'} commits a record`
  );
}

/**
 * A call to the in-process simulator, tried again on a transport failure: on a machine loaded far past its cores
 * the bench's own loop may not accept its connection in time. The calls repeated are idempotent (a campaign is
 * created once per request id; a started campaign is started again as a no-op).
 */
async function again<T>(call: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (error) {
      if (i >= attempts || !(error instanceof TypeError)) throw error;
      log(`push: the simulator did not answer (${error.message}); trying again`);
      await sleep(500 * i);
    }
  }
}

/** Tasks 1..T in progress, one campaign each (call task id = task id) holding its contacts, on the simulator. */
async function seedCampaigns(
  ctx: SectionContext,
  simulator: BenchSimulator,
  perTask: number,
  label: string,
): Promise<void> {
  const { db } = ctx;
  const { tasks } = ctx.config.push;
  await truncateAll(db.pool);
  await seedFirmBot(db.pool, 1, tasks);
  await seedTasks(db, { firstId: 1, count: tasks, status: 3, batchSize: perTask, maxAttempts: 2, retryGapMinutes: 60 });
  await seedContacts(db, { firstTaskId: 1, tasks, perTask, status: 2, inCallTaskOfSameId: true });
  const byTask = await contactsByTask(db.pool, 1, tasks);
  const batches = [...byTask.entries()].map(([taskId, contacts]) => ({
    taskId,
    requestId: `bench-push-${label}-${taskId}`,
    contacts,
  }));
  const campaignIds = await again(() => simulator.createCampaigns(batches, false));
  await db.pool.query(
    'INSERT INTO ai_visitor_call_task (id, task_id, batch_no, request_id, campaign_id, status, contact_count) VALUES ?',
    [batches.map((b) => [b.taskId, b.taskId, 1, b.requestId, campaignIds.get(b.requestId)!, 1, b.contacts.length])],
  );
  await mapLimit([...campaignIds.values()], 4, (id) => again(() => simulator.changeStatus(id, 'start')));
}

async function pushed(
  ctx: SectionContext,
  build: AppBuild,
  users: PerUserStats | undefined,
): Promise<{
  pushed: PushSide;
  coalescing?: PushResult['coalescing'];
  simulatorPush: Record<string, unknown>;
  apiLog: LogSummary;
}> {
  const { db, config } = ctx;
  const { durationS, tasks, parallelism, callMs, warmupS } = config.push;
  // Enough contacts that every task still dials through the window and a little after.
  const perTask = Math.ceil((parallelism * (durationS + warmupS + 3) * 1000) / callMs);
  const apiPort = await freePort();
  const apiBase = `http://127.0.0.1:${apiPort}`;
  const env = appEnv(db, '', {});
  const simulator = await BenchSimulator.start({
    callMs,
    parallelism,
    pushUrl: `${apiBase}/v1/callbacks/robot-call`,
    pushSecret: env.ROBOT_CALL_CALLBACK_SECRET,
    pushBatchMs: 0,
    transcriptBytes: TRANSCRIPT_BYTES,
    conversationRate: 1,
  });
  ctx.onCleanup(() => simulator.close().catch(() => undefined));
  const apiLogFile = join(ctx.tmpDir, 'push-api.log');
  // Only the API: no worker, so no relay (the delivery is measured apart: the delivery section).
  const api = spawnNode(
    build,
    join(build.dir, 'apps/api/src/main.js'),
    [],
    appEnv(db, simulator.baseUrl, {
      API_PORT: String(apiPort),
      LOG_LEVEL: 'warn',
      INCONVENIENT_CALLBACK_DAYS: '1',
      ...(users ? { DATABASE_URL: users.url(db.url, 'a') } : {}),
    }),
    apiLogFile,
  );
  ctx.onCleanup(() => api.kill());
  try {
    await waitLive(`${apiBase}/health/live`, api, apiLogFile, 'the API');
    await seedCampaigns(ctx, simulator, perTask, 'pushed');
    log(`push: ${tasks} campaigns of ${perTask} dialling, ~${(tasks * parallelism * 1000) / callMs} pushes/s`);
    await sleep(warmupS * 1000);
    const before = await snapshot(db.pool, users, 'a');
    await sleep(durationS * 1000);
    const after = await snapshot(db.pool, users, 'a');
    const side = sideOf(before, after);
    // What comes after the window is not measured: the campaigns are left to the clean-up.
    const simulatorPush = await fetch(`${simulator.baseUrl}/_simulator/push`, {
      headers: { Authorization: `Bearer ${simulator.running.apiKey}` },
    })
      .then(async (res) => ((await res.json()) as { data: Record<string, unknown> }).data)
      .catch((e: Error) => ({ unreadable: e.message }));
    return { pushed: side, coalescing: await pushCoalescing(apiBase), simulatorPush, apiLog: summarizeLog(apiLogFile) };
  } finally {
    // The simulator first: its campaigns are still dialling, and pushes to an API already gone would be retried and
    // logged (on stdout, the table's stream) until they give up.
    await simulator.close().catch(() => undefined);
    await api.kill();
  }
}

/** The same number of records in the same tasks, dialled at once and read by one sync pass (this process). */
async function polledSide(ctx: SectionContext, records: number, users: PerUserStats | undefined): Promise<PushSide> {
  const { db, config } = ctx;
  const perTask = Math.max(1, Math.ceil(records / config.push.tasks));
  const simulator = await BenchSimulator.start({
    callMs: 0,
    parallelism: 10_000,
    transcriptBytes: TRANSCRIPT_BYTES,
    conversationRate: 1,
  });
  setAppEnv(db, simulator.baseUrl, {
    INCONVENIENT_CALLBACK_DAYS: '1',
    ...(users ? { DATABASE_URL: users.url(db.url, 'b') } : {}),
  });
  const worker: TestingModule = await Test.createTestingModule({
    imports: [WorkerModule.forRoot({ scheduled: false })],
  }).compile();
  worker.useLogger(['error']);
  await worker.init();
  try {
    await seedCampaigns(ctx, simulator, perTask, 'polled');
    await simulator.waitAllFinished(Math.max(60_000, records * 10));
    const before = await snapshot(db.pool, users, 'b');
    const pass = await timed(() => worker.get(RunSyncPass).execute());
    const after = await snapshot(db.pool, users, 'b');
    if (pass.value.failed > 0) log(`push: WARNING the polling pass failed ${pass.value.failed} task(s)`);
    return sideOf(before, after);
  } finally {
    await worker.close();
    await simulator.close().catch(() => undefined);
    setAppEnv(db, '');
  }
}

/**
 * The statements of pushes, counted in this process through the same use case the API runs: one task's pushes
 * one after another (nothing to share a transaction with), then one push each from several tasks at once.
 */
async function statementsOfPushes(
  ctx: SectionContext,
): Promise<{ lone: PushResult['lonePush']; concurrent: PushResult['concurrentPushes'] }> {
  const { db } = ctx;
  const perTask = 20;
  const simulator = await BenchSimulator.start({ callMs: 600_000, parallelism: 1 });
  setAppEnv(db, simulator.baseUrl, { INCONVENIENT_CALLBACK_DAYS: '1', SYNC_SKIP_AFTER_PUSH_SECONDS: '300' });
  const app: TestingModule = await Test.createTestingModule({
    imports: [WorkerModule.forRoot({ scheduled: false })],
  }).compile();
  app.useLogger(['error']);
  await app.init();
  try {
    await truncateAll(db.pool);
    await seedFirmBot(db.pool, 1, CONCURRENT_TASKS);
    await seedTasks(db, {
      firstId: 1,
      count: CONCURRENT_TASKS,
      status: 3,
      batchSize: perTask,
      maxAttempts: 2,
      retryGapMinutes: 60,
    });
    await seedContacts(db, { firstTaskId: 1, tasks: CONCURRENT_TASKS, perTask, status: 2, inCallTaskOfSameId: true });
    await db.pool.query(
      'INSERT INTO ai_visitor_call_task (id, task_id, batch_no, request_id, campaign_id, status, contact_count) VALUES ?',
      [
        Array.from({ length: CONCURRENT_TASKS }, (_, i) => [
          i + 1,
          i + 1,
          1,
          `req-${i + 1}`,
          `cmp-${i + 1}`,
          1,
          perTask,
        ]),
      ],
    );
    const byTask = await contactsByTask(db.pool, 1, CONCURRENT_TASKS);
    const ingest = app.get(IngestPushedRecords);
    const transcript = 'x'.repeat(TRANSCRIPT_BYTES);
    let n = 0;
    const push = (taskId: number, contactId: string) =>
      ingest.execute({
        campaignId: `cmp-${taskId}`,
        records: [
          {
            recordId: `rec-${++n}`,
            ref: contactId,
            callResult: 1,
            failReason: null,
            intention: 2,
            durationSec: 40,
            calledAt: new Date(),
            summary: 'summary',
            transcript,
            recordingUrl: null,
          } as never,
        ],
      });
    // Warm the campaign cache and the connections first: a push's own statements only.
    await push(1, byTask.get(1)![0].id);
    const lonePushes = 5;
    const lone = await countQueries(async () => {
      for (let i = 1; i <= lonePushes; i++) await push(1, byTask.get(1)![i].id);
    });
    for (let t = 2; t <= CONCURRENT_TASKS; t++) await push(t, byTask.get(t)![0].id);
    const rounds = 3;
    const concurrent = await countQueries(async () => {
      for (let r = 1; r <= rounds; r++)
        await Promise.all(Array.from({ length: CONCURRENT_TASKS }, (_, i) => push(i + 1, byTask.get(i + 1)![r].id)));
    });
    const per = (shapes: [string, number][], count: number): [string, number][] =>
      shapes.map(([s, c]) => [s, round(c / count, 2)]);
    return {
      lone: { statements: round(lone.queries.total / lonePushes, 2), byShape: per(lone.queries.byShape, lonePushes) },
      concurrent: {
        tasks: CONCURRENT_TASKS,
        statementsPerPush: round(concurrent.queries.total / (rounds * CONCURRENT_TASKS), 2),
        byShape: per(concurrent.queries.byShape, rounds * CONCURRENT_TASKS),
      },
    };
  } finally {
    await app.close();
    await simulator.close().catch(() => undefined);
    setAppEnv(db, '');
    await truncateAll(db.pool);
  }
}

/**
 * The `contact.called` batch row's INSERT on its own: transactions that move a task's `event_seq` (as the ingest
 * does) with and without the row a one-record push writes, alternating in blocks, on the polled side's user.
 */
async function eventWriteCost(ctx: SectionContext, users: PerUserStats): Promise<PushResult['eventWrite']> {
  const { db } = ctx;
  const transactions = 1000;
  await truncateAll(db.pool);
  await seedFirmBot(db.pool, 1, 1);
  await seedTasks(db, { firstId: 1, count: 1, status: 3, batchSize: 1, maxAttempts: 1, retryGapMinutes: 60 });
  const conn = await mysql.createConnection({ uri: users.url(db.url, 'b'), timezone: 'Z' });
  try {
    let n = 0;
    const run = async (withEvent: boolean) => {
      await conn.query('START TRANSACTION');
      await conn.query('UPDATE ai_visitor_task SET event_seq = LAST_INSERT_ID(event_seq + 1) WHERE id = 1');
      if (withEvent)
        await conn.query(
          'INSERT INTO ai_visitor_event (type, firm_id, task_id, sequence, data, created_at, contact_id) VALUES (?, 1, 1, NULL, ?, UTC_TIMESTAMP(3), NULL)',
          [`batch:records`, JSON.stringify([[`rec-event-${++n}`, 1, n]])],
        );
      await conn.query('COMMIT');
    };
    const cpu = { with: 0, without: 0 };
    for (let block = 0; block < 10; block++) {
      for (const withEvent of [true, false]) {
        const before = Number((await users.read('b'))?.CPU_TIME ?? 0);
        for (let i = 0; i < transactions / 10; i++) await run(withEvent);
        const spent = Number((await users.read('b'))?.CPU_TIME ?? 0) - before;
        cpu[withEvent ? 'with' : 'without'] += spent;
      }
    }
    const us = (s: number) => round((s * 1e6) / transactions, 0);
    return { transactions, withUs: us(cpu.with), withoutUs: us(cpu.without), insertUs: us(cpu.with - cpu.without) };
  } finally {
    await conn.end().catch(() => undefined);
    await truncateAll(db.pool);
  }
}

interface Snapshot {
  at: number;
  records: number;
  serverCpuMs?: number;
  user?: RowDataPacket;
}

async function snapshot(pool: Pool, users: PerUserStats | undefined, who: 'a' | 'b'): Promise<Snapshot> {
  return {
    at: Date.now(),
    records: await scalar(pool, 'SELECT COUNT(*) FROM ai_visitor_call_record'),
    serverCpuMs: localDatabaseCpuMs(),
    user: await users?.read(who),
  };
}

function sideOf(a: Snapshot, b: Snapshot): PushSide {
  const records = b.records - a.records;
  const windowS = round((b.at - a.at) / 1000, 2);
  const d = (column: string) =>
    a.user && b.user ? Number(b.user[column] ?? 0) - Number(a.user[column] ?? 0) : undefined;
  const cpuS = d('CPU_TIME');
  const work: DatabaseWork = {
    statementsCpuMs: cpuS !== undefined ? round(cpuS * 1000, 0) : undefined,
    serverCpuMs: a.serverCpuMs !== undefined && b.serverCpuMs !== undefined ? b.serverCpuMs - a.serverCpuMs : undefined,
    selects: d('SELECT_COMMANDS'),
    updates: d('UPDATE_COMMANDS'),
    others: d('OTHER_COMMANDS'),
    commits: d('COMMIT_TRANSACTIONS'),
    rowsRead: d('ROWS_READ'),
    rowsInserted: d('ROWS_INSERTED'),
    rowsUpdated: d('ROWS_UPDATED'),
  };
  const per = (x: number | undefined, digits = 3) =>
    x === undefined || records === 0 ? undefined : round(x / records, digits);
  const statements = work.selects !== undefined ? work.selects + (work.updates ?? 0) + (work.others ?? 0) : undefined;
  return {
    records,
    windowS,
    ratePerSec: round(records / Math.max(windowS, 0.001), 0),
    work,
    cpuMsPerRecord: per(work.statementsCpuMs),
    serverCpuMsPerRecord: per(work.serverCpuMs),
    statementsPerRecord: per(statements, 2),
    commitsPerRecord: per(work.commits, 2),
  };
}

/**
 * Two database users of the bench's own (a: the pushed side, b: the polled side), all privileges on its database
 * only, and MariaDB's user statistics switched on for the run (put back as found). Undefined where the server
 * has no USER_STATISTICS (MySQL) or refuses.
 */
class PerUserStats {
  private constructor(
    private readonly pool: Pool,
    private readonly names: Record<'a' | 'b', string>,
    private readonly wasOn: boolean,
    private closed = false,
  ) {}

  static async open(pool: Pool, database: string): Promise<PerUserStats | undefined> {
    const suffix = database.replace(/^aiv_bench_/, '').slice(0, 12);
    const names = { a: `aivpush_a_${suffix}`, b: `aivpush_b_${suffix}` };
    try {
      const [rows] = await pool.query<RowDataPacket[]>('SELECT @@GLOBAL.userstat AS on_');
      const wasOn = Number(rows[0].on_) === 1;
      for (const name of Object.values(names)) {
        await pool.query(`CREATE USER IF NOT EXISTS '${name}'@'%'`);
        await pool.query(`GRANT ALL ON \`${database}\`.* TO '${name}'@'%'`);
      }
      if (!wasOn) await pool.query('SET GLOBAL userstat = 1');
      return new PerUserStats(pool, names, wasOn);
    } catch (error) {
      log(`push: no per-user statistics (${(error as Error).message}); the server's CPU only`);
      return undefined;
    }
  }

  url(base: string, who: 'a' | 'b'): string {
    const url = new URL(base);
    url.username = this.names[who];
    url.password = '';
    return url.toString();
  }

  async read(who: 'a' | 'b'): Promise<RowDataPacket | undefined> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT * FROM information_schema.USER_STATISTICS WHERE USER = ?',
      [this.names[who]],
    );
    return rows[0] ?? {};
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.wasOn) await this.pool.query('SET GLOBAL userstat = 0').catch(() => undefined);
    for (const name of Object.values(this.names))
      await this.pool.query(`DROP USER IF EXISTS '${name}'@'%'`).catch(() => undefined);
  }
}

/** The API's push group commit, from its `/metrics`; undefined when it cannot be read. */
async function pushCoalescing(apiBase: string): Promise<PushResult['coalescing']> {
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
