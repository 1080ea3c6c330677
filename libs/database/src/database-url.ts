import { DataSourceOptions } from 'typeorm';
import { mkdirSync } from 'fs';
import { dirname, join, resolve } from 'path';
import { SafeTypeOrmLogger } from './safe-typeorm-logger';
import { mysql2WithUtcSessions } from './utc-sessions';
import { mysql2WithAcquireTimeout } from './acquire-timeout';

export interface DatabaseSettings {
  /** `mysql://user:pass@host:3306/db` (MySQL 8 or MariaDB 10.6+). Absent: the embedded SQLite database. */
  url?: string;
  /** The embedded database's file, when there is no `url`. */
  sqlitePath?: string;
  /** Log every SQL statement (never with parameters: they may hold phone numbers). */
  logSql?: boolean;
  poolSize?: number;
}

export type DatabaseKind = 'mysql' | 'sqlite';

export const DEFAULT_SQLITE_PATH = 'data/ai-visitor.sqlite';

/** Entities register themselves through `TypeOrmModule.forFeature` + `autoLoadEntities` in the apps;
 * the migration CLI, which has no Nest container, loads them from the libs by glob instead. */
export const ENTITY_GLOBS = [join(__dirname, '..', '..', '*', 'src', '**', '*.entity.{ts,js}')];
export const MIGRATION_GLOBS = [join(__dirname, 'migrations', '*.{ts,js}')];

export function databaseKind(settings: DatabaseSettings): DatabaseKind {
  return settings.url ? 'mysql' : 'sqlite';
}

export function parseDatabaseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('DATABASE_URL is not a valid URL (expected mysql://user:password@host:3306/database)');
  }
  if (!['mysql:', 'mariadb:'].includes(parsed.protocol)) {
    throw new Error(`DATABASE_URL scheme "${parsed.protocol}" is not supported (expected mysql:// or mariadb://)`);
  }
  if (!parsed.pathname || parsed.pathname === '/') {
    throw new Error('DATABASE_URL names no database (expected mysql://user:password@host:3306/database)');
  }
  return parsed;
}

/**
 * How long a new MySQL/MariaDB connection may take to be established (TCP and handshake): a healthy server answers
 * in milliseconds; one that does not answer at all (a host down, its packets dropped) fails the attempt after this,
 * not after mysql2's default 10 s, freeing its slot in the pool. A refused or reset connection fails at once.
 */
export const CONNECT_TIMEOUT_MS = 3000;
/**
 * How long a statement may wait for a connection, queueing for the pool and connecting together (see
 * mysql2WithAcquireTimeout): past it, DATABASE_UNAVAILABLE. With CONNECT_TIMEOUT_MS below it, a request answers within
 * 5 s while the database is away, whichever way it went (docs/operations.md, "When the database goes away").
 */
export const ACQUIRE_TIMEOUT_MS = 4000;

const COMMON = {
  synchronize: false,
  migrationsRun: false,
  migrations: MIGRATION_GLOBS,
  migrationsTableName: 'ai_visitor_migrations',
  maxQueryExecutionTime: 2000,
} as const;

/**
 * TypeORM options: MySQL/MariaDB when a DATABASE_URL is given (production), else an embedded SQLite file
 * (a newcomer's first run, tests on a machine with no database server). The same migrations build both.
 */
export function buildDataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  const logger = new SafeTypeOrmLogger(settings.logSql ?? false);
  const logging = settings.logSql
    ? (['query', 'error', 'warn', 'migration'] as const)
    : (['error', 'warn', 'migration'] as const);
  if (!settings.url) {
    const file = resolve(settings.sqlitePath ?? DEFAULT_SQLITE_PATH);
    mkdirSync(dirname(file), { recursive: true });
    return {
      ...COMMON,
      type: 'better-sqlite3',
      database: file,
      // WAL lets the API and the worker (two processes) read while one writes; writers wait up to 10 s.
      enableWAL: true,
      timeout: 10_000,
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma('foreign_keys = ON');
        db.pragma('synchronous = NORMAL');
      },
      logger,
      logging: [...logging],
    };
  }
  const url = parseDatabaseUrl(settings.url);
  // `type: 'mariadb'` on purpose, for MySQL too: the `mysql` type re-selects every inserted row, and
  // `mariadb` only uses RETURNING where the server version supports it.
  return {
    ...COMMON,
    type: 'mariadb',
    // Times are UTC both ways: the driver converts dates as UTC ('Z') and every session runs at UTC, so the
    // server's own clock (column defaults, NOW()) agrees with them whatever zone the server runs at.
    connectorPackage: 'mysql2',
    driver: mysql2WithAcquireTimeout(mysql2WithUtcSessions(), ACQUIRE_TIMEOUT_MS),
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    username: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password || ''),
    database: decodeURIComponent(url.pathname.slice(1)),
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: false,
    poolSize: settings.poolSize ?? 10,
    logger,
    logging: [...logging],
    connectTimeout: CONNECT_TIMEOUT_MS,
  };
}
