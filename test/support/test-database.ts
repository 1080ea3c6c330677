import { randomBytes } from 'crypto';
import { rmSync } from 'fs';
import { join, resolve } from 'path';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, DatabaseSettings, parseDatabaseUrl } from '@app/database';

/**
 * The server the suite runs on, fixed by the global setup from DATABASE_URL before any test file could change
 * the environment: a MySQL/MariaDB URL, or '' for the embedded SQLite database.
 */
export function serverUrl(): string {
  return process.env.AIV_TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? '';
}

export interface TestDatabase {
  kind: 'mysql' | 'sqlite';
  /** What the apps are given: DATABASE_URL (MySQL) or SQLITE_PATH (embedded). */
  settings: DatabaseSettings;
  env: Record<string, string>;
  drop(): Promise<void>;
}

/**
 * A fresh database per test file, migrations applied, so files run in parallel jest workers without seeing
 * each other's rows, and every test runs on the schema the migrations build: a new database on the MySQL
 * server, or a new SQLite file. `server` (a MySQL URL) puts it on another server than the suite's.
 */
export async function createTestDatabase(options: { migrate?: boolean; server?: string } = {}): Promise<TestDatabase> {
  const applyMigrations = options.migrate ?? true;
  const name = `aiv_t${process.env.JEST_WORKER_ID ?? '0'}_${randomBytes(4).toString('hex')}`;
  const server = options.server ?? serverUrl();
  if (!server) {
    const sqlitePath = resolve(join('data', 'test', `${name}.sqlite`));
    if (applyMigrations) await migrate({ sqlitePath });
    return {
      kind: 'sqlite',
      settings: { sqlitePath },
      env: { DATABASE_URL: '', SQLITE_PATH: sqlitePath },
      drop: () => {
        for (const suffix of ['', '-wal', '-shm']) rmSync(`${sqlitePath}${suffix}`, { force: true });
        return Promise.resolve();
      },
    };
  }

  parseDatabaseUrl(server);
  const admin = new DataSource({ ...buildDataSourceOptions({ url: server }), migrations: [] });
  await admin.initialize();
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.destroy();
  const url = new URL(server);
  url.pathname = `/${name}`;
  if (applyMigrations) await migrate({ url: url.toString() });
  return {
    kind: 'mysql',
    settings: { url: url.toString() },
    env: { DATABASE_URL: url.toString() },
    drop: async () => {
      const ds = new DataSource({ ...buildDataSourceOptions({ url: server }), migrations: [] });
      await ds.initialize();
      await ds.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await ds.destroy();
    },
  };
}

async function migrate(settings: DatabaseSettings): Promise<void> {
  const migrator = new DataSource(buildDataSourceOptions(settings));
  await migrator.initialize();
  await migrator.runMigrations({ transaction: 'each' });
  await migrator.destroy();
}
