import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import mysql, { RowDataPacket } from 'mysql2/promise';
import { GetTaskStats } from '@app/stats';
import { AuthorizeTaskAccess } from '@app/task';
import { ApiModule } from '../../apps/api/src/api.module';
import { BENCH_ACCOUNT, BENCH_FIRM, seedContacts, seedFirmBot, seedTasks, truncateAll } from '../lib/db';
import { log, median, nowMs, percentile, round, timed } from '../lib/util';
import { SectionContext, setAppEnv } from '../lib/context';

export interface StatsResult {
  contacts: number;
  runsPerRep: number;
  reps: number;
  seedMs: number;
  /** The bare aggregate over the task's contacts, at its best (on the covering index the bench adds): the baseline. */
  sql: string;
  /** What GetTaskStats sends, captured at run time (it reads the task's counters). */
  appSql: string;
  perRep: { appP50: number; appP99: number; bareP50: number; bareP99: number }[];
  appP50: number;
  appP99: number;
  bareP50: number;
  bareP99: number;
  ratioP50: number;
  ratioP99: number;
  explain: unknown[];
}

/** The statistics as one aggregate over the contacts: what GetTaskStats ran before the counters, and the baseline. */
const BARE_AGGREGATE = `SELECT COUNT(*) AS total, COALESCE(SUM(status = 1), 0) AS waiting, COALESCE(SUM(status = 2), 0) AS in_campaign,
  COALESCE(SUM(status = 3), 0) AS done, COALESCE(SUM(status = 4), 0) AS skipped, COALESCE(SUM(call_result = 1), 0) AS connected,
  COALESCE(SUM(call_result = 2), 0) AS failed, COALESCE(SUM(attempts), 0) AS attempts,
  COALESCE(SUM(intension_result = 1), 0) AS interested, COALESCE(SUM(intension_result = 2), 0) AS not_considering,
  COALESCE(SUM(intension_result = 3), 0) AS inconvenient, COALESCE(SUM(intension_result = 4), 0) AS wrong_number
  FROM ai_visitor_list WHERE task_id = ?`;

/** Created for the baseline only, on the seeded contacts, and dropped when the section ends. */
const BASELINE_INDEX = 'bench_idx_list_aggregate';

/**
 * GetTaskStats (the use case, after the ownership check the API's guard makes, through TypeORM, reading the task's counters) against the
 * bare aggregate over the contacts run through one mysql2 connection, on one task holding `contacts` contacts;
 * runs interleaved, both warm. The two must agree exactly, or the section fails.
 */
export async function runStats(ctx: SectionContext): Promise<StatsResult> {
  const { db, config } = ctx;
  const n = config.stats.contacts;
  await truncateAll(db.pool);
  log(`stats: seeding one task with ${n.toLocaleString()} contacts`);
  const seeded = await timed(async () => {
    await seedFirmBot(db.pool);
    await seedTasks(db, { firstId: 1, count: 1, status: 3, batchSize: 1000, maxAttempts: 2, retryGapMinutes: 60 });
    await seedContacts(db, { firstTaskId: 1, tasks: 1, perTask: n, status: 'stats' });
    // The schema has no index for the aggregate any more (statistics read counters); the baseline gets the
    // covering index it would need, so the app is compared with the aggregate at its best. Dropped at the end.
    await db.pool.query(
      `CREATE INDEX ${BASELINE_INDEX} ON ai_visitor_list (task_id, status, call_result, intension_result, attempts)`,
    );
    await db.pool.query('ANALYZE TABLE ai_visitor_list');
  });
  log(`stats: seeded in ${(seeded.ms / 1000).toFixed(1)} s`);

  setAppEnv(db, 'http://127.0.0.1:9');
  const moduleRef = await Test.createTestingModule({ imports: [ApiModule.forRoot()] }).compile();
  moduleRef.useLogger(['error']);
  await moduleRef.init();
  const bare = await mysql.createConnection({
    uri: db.url,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  try {
    const stats = moduleRef.get(GetTaskStats);
    const authorize = moduleRef.get(AuthorizeTaskAccess);
    const dataSource = moduleRef.get(DataSource);
    const caller = { firmId: String(BENCH_FIRM), accountId: String(BENCH_ACCOUNT) };

    // Capture the statement the use case sends, for the record.
    let appSql: string | undefined;
    const original = dataSource.query.bind(dataSource);
    (dataSource as unknown as { query: typeof dataSource.query }).query = ((query: string, params?: unknown[]) => {
      if (!appSql && /FROM\s+ai_visitor_task_stats/i.test(query)) appSql = query;
      return original(query, params);
    }) as typeof dataSource.query;
    const first = await stats.execute({ access: await authorize.execute({ caller, taskId: '1' }) });
    delete (dataSource as unknown as { query?: unknown }).query;
    if (!appSql) throw new Error('could not capture the statement GetTaskStats sends');
    if (first.total !== n) throw new Error(`GetTaskStats counted ${first.total} contacts, expected ${n}`);
    const sql = BARE_AGGREGATE;
    const [[truth]] = await bare.query<RowDataPacket[]>(sql, ['1']);
    const agrees =
      Number(truth.total) === first.total &&
      Number(truth.done) === first.done &&
      Number(truth.waiting) === first.waiting &&
      Number(truth.connected) === first.connected &&
      Number(truth.failed) === first.failed &&
      Number(truth.attempts) === first.attempts &&
      Number(truth.interested) === first.intentions.interested &&
      Number(truth.wrong_number) === first.intentions.wrongNumber;
    if (!agrees)
      throw new Error(
        `GetTaskStats ${JSON.stringify(first)} disagrees with the aggregate over the contacts ${JSON.stringify(truth)}`,
      );

    const [explain] = await bare.query<RowDataPacket[]>(`EXPLAIN ${sql}`, ['1']);
    const app = async () => stats.execute({ access: await authorize.execute({ caller, taskId: '1' }) });
    const raw = () => bare.query(sql, ['1']);
    for (let i = 0; i < config.stats.warmup; i++) {
      await app();
      await raw();
    }

    const perRep: StatsResult['perRep'] = [];
    for (let rep = 0; rep < config.repsCheap; rep++) {
      const appMs: number[] = [];
      const bareMs: number[] = [];
      for (let i = 0; i < config.stats.runs; i++) {
        // Alternate which side goes first, so neither always meets the cache the other just warmed.
        const order = i % 2 === 0 ? [0, 1] : [1, 0];
        for (const side of order) {
          const t0 = nowMs();
          if (side === 0) await app();
          else await raw();
          (side === 0 ? appMs : bareMs).push(nowMs() - t0);
        }
      }
      const r = {
        appP50: percentile(appMs, 50),
        appP99: percentile(appMs, 99),
        bareP50: percentile(bareMs, 50),
        bareP99: percentile(bareMs, 99),
      };
      perRep.push(r);
      log(
        `stats: rep ${rep + 1}/${config.repsCheap}: app p50 ${r.appP50.toFixed(1)} ms p99 ${r.appP99.toFixed(1)} ms; bare p50 ${r.bareP50.toFixed(1)} ms p99 ${r.bareP99.toFixed(1)} ms`,
      );
    }
    const appP50 = median(perRep.map((r) => r.appP50));
    const appP99 = median(perRep.map((r) => r.appP99));
    const bareP50 = median(perRep.map((r) => r.bareP50));
    const bareP99 = median(perRep.map((r) => r.bareP99));
    return {
      contacts: n,
      runsPerRep: config.stats.runs,
      reps: config.repsCheap,
      seedMs: round(seeded.ms, 0),
      sql: sql.replace(/\s+/g, ' ').trim(),
      appSql: appSql.replace(/\s+/g, ' ').trim(),
      perRep: perRep.map((r) => ({
        appP50: round(r.appP50),
        appP99: round(r.appP99),
        bareP50: round(r.bareP50),
        bareP99: round(r.bareP99),
      })),
      appP50: round(appP50),
      appP99: round(appP99),
      bareP50: round(bareP50),
      bareP99: round(bareP99),
      // Within each repetition, then the median over repetitions.
      ratioP50: round(median(perRep.map((r) => r.appP50 / r.bareP50)), 3),
      ratioP99: round(median(perRep.map((r) => r.appP99 / r.bareP99)), 3),
      explain,
    };
  } finally {
    await bare.end().catch(() => undefined);
    await moduleRef.close();
    await truncateAll(db.pool);
    await db.pool.query(`DROP INDEX IF EXISTS ${BASELINE_INDEX} ON ai_visitor_list`).catch(() => undefined);
  }
}
