import { randomBytes } from 'crypto';
import mysql, { Pool, PoolOptions, RowDataPacket } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { maskPhone, PhoneVault, phoneKeysFromEnv } from '@app/core';
import { buildDataSourceOptions, parseDatabaseUrl } from '@app/database';

/** The keys the bench's apps and its seeding share (any keys do: the bench database is its own). */
export const BENCH_PHONE_KEYS = {
  PHONE_ENCRYPTION_KEYS: `bench:${Buffer.alloc(32, 'bench-encryption-key').toString('base64')}`,
  PHONE_HASH_KEY: Buffer.alloc(32, 'bench-hash-key').toString('base64'),
};

export function benchVault(): PhoneVault {
  return new PhoneVault(phoneKeysFromEnv({ ...BENCH_PHONE_KEYS, DATABASE_URL: 'mysql://bench/bench' }));
}

/** The bench's own database on the server: created and migrated at the start, dropped at the end. */
export interface BenchDatabase {
  name: string;
  /** DATABASE_URL for the apps. */
  url: string;
  /** Plain mysql2 pool on the bench database (seeding, baselines, checks). */
  pool: Pool;
  serverVersion: string;
  isMariaDb: boolean;
  drop(): Promise<void>;
}

function connectionOptions(url: URL, database?: string): PoolOptions {
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password || ''),
    database,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    supportBigNumbers: true,
    bigNumberStrings: true,
    connectTimeout: 10_000,
  };
}

export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function createBenchDatabase(serverUrl: string): Promise<BenchDatabase> {
  const server = parseDatabaseUrl(serverUrl);
  const name = `aiv_bench_${randomBytes(4).toString('hex')}`;
  const admin = await mysql.createConnection(connectionOptions(server));
  let version: string;
  try {
    const [rows] = await admin.query<RowDataPacket[]>('SELECT VERSION() AS version');
    version = String(rows[0].version);
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(serverUrl, name);
  const migrator = new DataSource({ ...buildDataSourceOptions({ url }), logger: undefined, logging: false });
  await migrator.initialize();
  try {
    await migrator.runMigrations({ transaction: 'each' });
  } finally {
    await migrator.destroy();
  }
  const pool = mysql.createPool({ ...connectionOptions(server, name), connectionLimit: 4 });
  let dropped = false;
  return {
    name,
    url,
    pool,
    serverVersion: version,
    isMariaDb: /mariadb/i.test(version),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await pool.end().catch(() => undefined);
      const conn = await mysql.createConnection(connectionOptions(server));
      try {
        await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await conn.end();
      }
    },
  };
}

const TABLES = [
  'ai_visitor_call_record',
  'call_conversation',
  'ai_visitor_task_stats',
  'ai_visitor_list',
  'ai_visitor_call_task',
  'ai_visitor_task',
  'ai_visitor_firm_phone',
  'ai_visitor_firm_bot',
  'ai_visitor_event',
  'ai_visitor_webhook_delivery',
  'ai_visitor_webhook',
];

/** Empties every table (between repetitions and sections), so each measurement starts from the same state. */
export async function truncateAll(pool: Pool): Promise<void> {
  const conn = await pool.getConnection();
  try {
    await conn.query('SET FOREIGN_KEY_CHECKS = 0');
    for (const table of TABLES) await conn.query(`TRUNCATE TABLE ${table}`);
    await conn.query('UPDATE ai_visitor_event_cursor SET position = 0');
    await conn.query('SET FOREIGN_KEY_CHECKS = 1');
  } finally {
    conn.release();
  }
}

/**
 * A derived table `nums(n)` holding a..b: MariaDB's SEQUENCE engine when present, else a cross join of digits
 * (MySQL 8), filtered to the range.
 */
export function numbers(db: Pick<BenchDatabase, 'isMariaDb'>, a: number, b: number): string {
  if (db.isMariaDb) return `(SELECT seq AS n FROM seq_${a}_to_${b}) nums`;
  const digits = Math.max(1, Math.ceil(Math.log10(b + 1)));
  const d =
    '(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';
  const parts = Array.from({ length: digits }, (_, i) => `d${i}.d * ${10 ** i}`).join(' + ');
  const joins = Array.from({ length: digits }, (_, i) => `${d} d${i}`).join(' CROSS JOIN ');
  return `(SELECT ${parts} AS n FROM ${joins} HAVING n BETWEEN ${a} AND ${b}) nums`;
}

export const BENCH_FIRM = 1;
export const BENCH_ACCOUNT = 42;

/** The firm's BOT: open, expiring in a year, quota far above what the bench creates. */
export async function seedFirmBot(pool: Pool, firmId = BENCH_FIRM, used = 0): Promise<void> {
  await pool.query(
    `INSERT INTO ai_visitor_firm_bot (firm_id, is_open_bot, bot_expire_at, bot_task_num, bot_task_used)
     VALUES (?, 1, DATE_ADD(UTC_TIMESTAMP(3), INTERVAL 1 YEAR), 1000000, ?)`,
    [firmId, used],
  );
}

export interface TaskSeed {
  firstId: number;
  count: number;
  status: number;
  batchSize: number;
  maxAttempts: number;
  retryGapMinutes: number;
  firmId?: number;
  accountId?: number;
}

/** Tasks with explicit ids firstId.., a call window always open (00:00–24:00, every day). */
export async function seedTasks(db: BenchDatabase, seed: TaskSeed): Promise<void> {
  const last = seed.firstId + seed.count - 1;
  await db.pool.query(
    `INSERT INTO ai_visitor_task (id, firm_id, account_id, name, script_id, status, batch_size, max_attempts, retry_gap_minutes,
       window_start, window_end, window_days, window_tz, started_at)
     SELECT n, ?, ?, CONCAT('bench task ', n), 'recruit-v1', ?, ?, ?, ?, '00:00', '24:00', '1,2,3,4,5,6,7', 'Asia/Shanghai',
       ${seed.status === 1 ? 'NULL' : 'UTC_TIMESTAMP(3)'}
     FROM ${numbers(db, seed.firstId, last)}`,
    [
      seed.firmId ?? BENCH_FIRM,
      seed.accountId ?? BENCH_ACCOUNT,
      seed.status,
      seed.batchSize,
      seed.maxAttempts,
      seed.retryGapMinutes,
    ],
  );
}

export interface ContactSeed {
  firstTaskId: number;
  tasks: number;
  perTask: number;
  /** Contact status for every row (1 waiting, 2 in a campaign), or 'stats' for a realistic mix of outcomes. */
  status: 1 | 2 | 'stats';
  /** With status 2: the call task of task t is the call task with id t. */
  inCallTaskOfSameId?: boolean;
  /** Numbers are +86139 followed by 8 digits from phoneBase + n: distinct across a firm's tasks. */
  phoneBase?: number;
  /** Names and candidate refs are numbered from refBase + n (default 0): distinct when a task is seeded in blocks. */
  refBase?: number;
}

const SEED_CHUNK = 5_000;

/** One contact row of a seed, as the SQL seed used to compute it: n is the contact's 1-based number. */
function seedRow(seed: ContactSeed, n: number, vault: PhoneVault): unknown[] {
  const taskId = seed.firstTaskId + Math.floor((n - 1) / seed.perTask);
  const phone = `+86139${String((seed.phoneBase ?? 0) + n).padStart(8, '0')}`;
  const sealed = vault.seal(phone);
  const ref = (seed.refBase ?? 0) + n;
  const head = [taskId, sealed.hash, sealed.enc, sealed.keyId, maskPhone(phone), `候选人${ref}`, `cand-${ref}`];
  if (seed.status !== 'stats') {
    return [...head, seed.status, 0, 0, 0, null, seed.inCallTaskOfSameId ? taskId : null];
  }
  // 10% waiting (half of them after a failed call), 5% in a campaign, 75% done (70% connected), 10% skipped.
  const m = n % 20;
  const status = m < 2 ? 1 : m < 3 ? 2 : m < 18 ? 3 : 4;
  const connected = status === 3 && n % 10 < 7;
  const callResult = status === 3 ? (connected ? 1 : 2) : m === 1 ? 2 : 0;
  const attempts = status === 3 ? 1 + (n % 3 === 0 ? 1 : 0) : m === 1 ? 1 : 0;
  return [...head, status, callResult, connected ? n % 5 : 0, attempts, status === 4 ? 'cooling' : null, null];
}

/**
 * Contacts for tasks firstTaskId.. in multi-row inserts. Numbers are sealed as the service stores them
 * (PhoneVault with the bench's keys, BENCH_PHONE_KEYS), so the apps can open what the bench seeded.
 */
export async function seedContacts(db: BenchDatabase, seed: ContactSeed): Promise<void> {
  const vault = benchVault();
  const total = seed.tasks * seed.perTask;
  for (let a = 1; a <= total; a += SEED_CHUNK) {
    const rows: unknown[][] = [];
    for (let n = a; n <= Math.min(total, a + SEED_CHUNK - 1); n++) rows.push(seedRow(seed, n, vault));
    await db.pool.query(
      `INSERT INTO ai_visitor_list (task_id, phone_hash, phone_enc, phone_key_id, phone_masked, name, candidate_ref, status, call_result,
         intension_result, attempts, skip_reason, call_task_id) VALUES ?`,
      [rows],
    );
  }
}

interface ContactRow extends RowDataPacket {
  id: number | string;
  task_id: number | string;
  phone_enc: string;
  phone_key_id: string;
  name: string;
}

/** Contacts of these tasks in id order, grouped by task, numbers opened: what a campaign_add carries. */
export async function contactsByTask(
  pool: Pool,
  firstTaskId: number,
  lastTaskId: number,
): Promise<Map<number, { id: string; phone: string; name: string }[]>> {
  const vault = benchVault();
  const [rows] = await pool.query<ContactRow[]>(
    'SELECT id, task_id, phone_enc, phone_key_id, name FROM ai_visitor_list WHERE task_id BETWEEN ? AND ? ORDER BY id',
    [firstTaskId, lastTaskId],
  );
  const byTask = new Map<number, { id: string; phone: string; name: string }[]>();
  for (const r of rows) {
    const t = Number(r.task_id);
    if (!byTask.has(t)) byTask.set(t, []);
    byTask
      .get(t)!
      .push({ id: String(r.id), phone: vault.open({ enc: r.phone_enc, keyId: r.phone_key_id }), name: r.name });
  }
  return byTask;
}

export async function scalar(pool: Pool, sql: string, params: unknown[] = []): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>(sql, params);
  return Number(Object.values(rows[0] ?? { n: 0 })[0] ?? 0);
}
