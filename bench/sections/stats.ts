import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import mysql, { RowDataPacket } from 'mysql2/promise';
import { GetTaskStats } from '@app/stats';
import { ApiModule } from '../../apps/api/src/api.module';
import { BENCH_ACCOUNT, BENCH_FIRM, seedContacts, seedFirmBot, seedTasks, truncateAll } from '../lib/db';
import { log, median, nowMs, percentile, round, timed } from '../lib/util';
import { SectionContext, setAppEnv } from '../lib/context';

export interface StatsResult {
  contacts: number;
  runsPerRep: number;
  reps: number;
  seedMs: number;
  /** The aggregate statement GetTaskStats sent, captured at run time and replayed through mysql2. */
  sql: string;
  perRep: { appP50: number; appP99: number; bareP50: number; bareP99: number }[];
  appP50: number;
  appP99: number;
  bareP50: number;
  bareP99: number;
  ratioP50: number;
  ratioP99: number;
  explain: unknown[];
}

/**
 * GetTaskStats (the use case, with its ownership read, through TypeORM) against the same aggregate statement run
 * bare through one mysql2 connection, on one task holding `contacts` contacts; runs interleaved, both warm.
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
    await db.pool.query('ANALYZE TABLE ai_visitor_list');
  });
  log(`stats: seeded in ${(seeded.ms / 1000).toFixed(1)} s`);

  setAppEnv(db, 'http://127.0.0.1:9');
  const moduleRef = await Test.createTestingModule({ imports: [ApiModule.forRoot()] }).compile();
  moduleRef.useLogger(['error']);
  await moduleRef.init();
  const bare = await mysql.createConnection({ uri: db.url, timezone: 'Z', supportBigNumbers: true, bigNumberStrings: true });
  try {
    const stats = moduleRef.get(GetTaskStats);
    const dataSource = moduleRef.get(DataSource);
    const caller = { firmId: String(BENCH_FIRM), accountId: String(BENCH_ACCOUNT) };

    // Capture the exact aggregate statement the use case sends, so the bare side always runs the same SQL.
    let sql: string | undefined;
    const original = dataSource.query.bind(dataSource);
    (dataSource as unknown as { query: typeof dataSource.query }).query = ((query: string, params?: unknown[]) => {
      if (!sql && /FROM\s+ai_visitor_list/i.test(query)) sql = query;
      return original(query, params);
    }) as typeof dataSource.query;
    const first = await stats.execute({ caller, taskId: '1' });
    delete (dataSource as unknown as { query?: unknown }).query;
    if (!sql) throw new Error('could not capture the statement GetTaskStats sends');
    if (first.total !== n) throw new Error(`GetTaskStats counted ${first.total} contacts, expected ${n}`);

    const [explain] = await bare.query<RowDataPacket[]>(`EXPLAIN ${sql}`, ['1']);
    const app = () => stats.execute({ caller, taskId: '1' });
    const raw = () => bare.query(sql!, ['1']);
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
      log(`stats: rep ${rep + 1}/${config.repsCheap}: app p50 ${r.appP50.toFixed(1)} ms p99 ${r.appP99.toFixed(1)} ms; bare p50 ${r.bareP50.toFixed(1)} ms p99 ${r.bareP99.toFixed(1)} ms`);
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
      perRep: perRep.map((r) => ({ appP50: round(r.appP50), appP99: round(r.appP99), bareP50: round(r.bareP50), bareP99: round(r.bareP99) })),
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
  }
}
