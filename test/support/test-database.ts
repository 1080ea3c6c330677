import { randomBytes } from 'crypto';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, parseDatabaseUrl } from '@app/database';

/** The server tests run on: DATABASE_URL if set, else the local MariaDB of the dev/CI machine. */
export function serverUrl(): string {
  return process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/test';
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh database per test file (migrations applied), so files run in parallel jest workers without
 * seeing each other's rows, and every test runs on the real schema the migrations build.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = parseDatabaseUrl(serverUrl());
  const name = `aiv_t${process.env.JEST_WORKER_ID ?? '0'}_${randomBytes(4).toString('hex')}`;
  const admin = new DataSource({ ...buildDataSourceOptions({ url: serverUrl() }), migrations: [] });
  await admin.initialize();
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.destroy();

  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  const migrator = new DataSource(buildDataSourceOptions({ url: url.toString() }));
  await migrator.initialize();
  await migrator.runMigrations({ transaction: 'each' });
  await migrator.destroy();

  return {
    url: url.toString(),
    drop: async () => {
      const ds = new DataSource({ ...buildDataSourceOptions({ url: serverUrl() }), migrations: [] });
      await ds.initialize();
      await ds.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await ds.destroy();
    },
  };
}
