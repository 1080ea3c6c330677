import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { envNamespace } from '@app/core';
import { DatabaseSettings, DEFAULT_SQLITE_PATH } from './database-url';

export class DatabaseEnv {
  /** MySQL/MariaDB in production. Unset: the embedded SQLite database at SQLITE_PATH. */
  @Transform(({ value }: { value: unknown }) => (value === '' ? undefined : value))
  @IsOptional()
  @Matches(/^(mysql|mariadb):\/\/[^/]+\/\w+/, {
    message:
      'DATABASE_URL must look like mysql://user:password@host:3306/database (or be unset for the embedded database)',
  })
  DATABASE_URL?: string;

  @IsString()
  @MinLength(1)
  SQLITE_PATH: string = DEFAULT_SQLITE_PATH;

  @IsOptional()
  @IsIn(['true', 'false'])
  LOG_SQL?: string;

  /**
   * Connections each process keeps to MySQL/MariaDB. A request or a task's sync holds one for each statement or
   * transaction; past the pool they queue in the process, up to ACQUIRE_TIMEOUT_MS (4 s), then fail as
   * DATABASE_UNAVAILABLE (docs/operations.md, "Capacity" and "When the database goes away").
   */
  @IsInt()
  @Min(1)
  @Max(500)
  DATABASE_POOL_SIZE: number = 10;
}

/** The connection: `DatabaseModule.forRootFromConfig()` in the apps, `databaseConfig()` in the CLI entry points. */
export const databaseConfig = envNamespace('database', DatabaseEnv, (env): DatabaseSettings => ({
  url: env.DATABASE_URL || undefined,
  sqlitePath: env.SQLITE_PATH,
  logSql: env.LOG_SQL === 'true',
  poolSize: env.DATABASE_POOL_SIZE,
}));
