import { DataSourceOptions } from 'typeorm';
import { join } from 'path';
import { SafeTypeOrmLogger } from './safe-typeorm-logger';

export interface DatabaseSettings {
  /** `mysql://user:pass@host:3306/db` (MySQL 8 or MariaDB 10.6+). */
  url: string;
  /** Log every SQL statement (without parameters: they may hold phone numbers). */
  logSql?: boolean;
  poolSize?: number;
}

/** Entities register themselves through `TypeOrmModule.forFeature` + `autoLoadEntities` in the apps;
 * the migration CLI, which has no Nest container, loads them from the libs by glob instead. */
export const ENTITY_GLOBS = [join(__dirname, '..', '..', '*', 'src', '**', '*.entity.{ts,js}')];
export const MIGRATION_GLOBS = [join(__dirname, 'migrations', '*.{ts,js}')];

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
 * TypeORM options for the production database. `type: 'mariadb'` on purpose, for MySQL too: the `mysql` type
 * re-selects every inserted row, and `mariadb` only uses RETURNING where the server version supports it.
 */
export function buildDataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  const url = parseDatabaseUrl(settings.url);
  return {
    type: 'mariadb',
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
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATION_GLOBS,
    migrationsTableName: 'ai_visitor_migrations',
    logger: new SafeTypeOrmLogger(settings.logSql ?? false),
    logging: settings.logSql ? ['query', 'error', 'warn', 'migration'] : ['error', 'warn', 'migration'],
    maxQueryExecutionTime: 2000,
    extra: { connectTimeout: 10000 },
  };
}
