import { DataSource, EntityManager, EntityTarget } from 'typeorm';
import { SqlDialect } from './sql-dialect';
import { ACQUIRE_TIMEOUT_CODE } from '../acquire-timeout';
import { selectEntities } from '../select-entities';

const ER_DUP_ENTRY = 1062;
const ER_LOCK_WAIT_TIMEOUT = 1205;
const ER_LOCK_DEADLOCK = 1213;

/**
 * The server's own answers that it cannot take the connection or is dropping it: too many connections, shutting
 * down, the connection killed (MariaDB), an idle connection closed by the server (MySQL 8.0.24+).
 */
const CONNECTION_ERRNOS = new Set([1040, 1053, 1927, 4031]);

function code(error: unknown): string | undefined {
  const e = error as { code?: string; driverError?: { code?: string } };
  return e?.driverError?.code ?? e?.code;
}

function errno(error: unknown): number | undefined {
  const e = error as { errno?: number; driverError?: { errno?: number } };
  return e?.driverError?.errno ?? e?.errno;
}

/** mysql2 marks `fatal` every error after which the connection is unusable (network, protocol, connect timeout). */
function fatal(error: unknown): boolean {
  const e = error as { fatal?: boolean; driverError?: { fatal?: boolean } };
  return (e?.driverError?.fatal ?? e?.fatal) === true;
}

/** The SQL type a JSON_TABLE column takes for these values (see MysqlDialect.rowsAsTable). */
function jsonColumnType(values: readonly unknown[]): string {
  const given = values.filter((v) => v !== null && v !== undefined);
  if (given.length === 0) return 'LONGTEXT';
  if (given.every((v) => typeof v === 'number')) return given.every(Number.isInteger) ? 'BIGINT' : 'DOUBLE';
  if (given.every((v) => v instanceof Date)) return 'DATETIME(3)';
  if (given.every((v) => typeof v === 'boolean')) return 'TINYINT';
  return 'LONGTEXT';
}

/** A value as JSON_TABLE reads it: a date as `YYYY-MM-DD HH:MM:SS.mmm` in UTC, a boolean as 1/0. */
function jsonValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString().slice(0, 23).replace('T', ' ');
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/** MySQL 8 / MariaDB 10.6+: InnoDB row locks, concurrent transactions over a connection pool. */
export class MysqlDialect extends SqlDialect {
  readonly kind = 'mysql' as const;

  transaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return dataSource.transaction(work);
  }

  /**
   * The rows first, each finding its row of `table` by the key's index (STRAIGHT_JOIN, FORCE INDEX): left to
   * itself the optimizer scans a small table (a few tasks) and probes the rows for each, and an UPDATE locks every
   * row it reads, so a push of one task would wait for another task's transaction.
   */
  protected updateFromClause(
    table: string,
    key: string,
    derived: string,
    set: Readonly<Record<string, string>>,
  ): string {
    const assignments = Object.entries(set).map(([column, expression]) => `t.${column} = ${expression}`);
    const index = key === 'id' ? ' FORCE INDEX (PRIMARY)' : '';
    return `UPDATE ${derived} v STRAIGHT_JOIN ${table} t${index} ON t.${key} = v.${key} SET ${assignments.join(', ')}`;
  }

  /** MariaDB 10.5+ (TypeORM's driver reads the server's version when it connects); MySQL has no RETURNING. */
  protected canReturnInserted(manager: EntityManager): boolean {
    const driver = manager.connection.driver as { isReturningSqlSupported?(kind: 'insert'): boolean };
    return driver.isReturningSqlSupported?.('insert') === true;
  }

  /**
   * The rows as one JSON parameter read by `JSON_TABLE` (MariaDB 10.6+, MySQL 8): one query block whatever the
   * number of rows, where a `UNION ALL` of one `SELECT` a row costs the server a query block each (an update of 100
   * contacts 7.4 → 3.7 ms, of 500 37 → 13 ms, on the bench's VM). Each column's SQL type is its values': the key
   * BIGINT (an id), JavaScript numbers BIGINT (or DOUBLE when one is not an integer), dates DATETIME(3) (in UTC, the
   * connection's zone), booleans TINYINT, anything else LONGTEXT (the value is then converted to the target
   * column's type on assignment, as a bound string would be); null stays NULL.
   */
  protected override rowsAsTable(
    names: readonly string[],
    rows: readonly unknown[][],
  ): { sql: string; params: unknown[] } {
    const types = names.map((_, i) => (i === 0 ? 'BIGINT' : jsonColumnType(rows.map((row) => row[i]))));
    const json = JSON.stringify(rows.map((row) => row.map(jsonValue)));
    const columns = names.map((name, i) => `\`${name}\` ${types[i]} PATH '$[${i}]'`).join(', ');
    return { sql: `JSON_TABLE(?, '$[*]' COLUMNS (${columns}))`, params: [json] };
  }

  async intendToWrite(): Promise<void> {
    // Row locks taken by the statements themselves are enough.
  }

  /** `SELECT … FOR UPDATE`: the row is read and locked by the same statement. */
  lockOne<T extends { id: unknown }>(manager: EntityManager, target: EntityTarget<T>, id: string): Promise<T | null> {
    return selectEntities(manager, target, 'WHERE id = ? FOR UPDATE', [id]).then((rows) => rows[0] ?? null);
  }

  /** `… WHERE id IN (…) ORDER BY id FOR UPDATE`: InnoDB walks the primary key in order, locking as it goes. */
  lockMany<T extends { id: unknown }>(
    manager: EntityManager,
    target: EntityTarget<T>,
    ids: readonly string[],
  ): Promise<T[]> {
    if (ids.length === 0) return Promise.resolve([]);
    // The statement find({ lock: pessimistic_write }) writes, without the query builder (a push's hot path).
    return selectEntities(
      manager,
      target,
      `WHERE id IN (${ids.map(() => '?').join(', ')}) ORDER BY id FOR UPDATE`,
      ids,
    );
  }

  /** ON DUPLICATE KEY UPDATE id = id rather than INSERT IGNORE: IGNORE would also turn bad data into warnings. */
  protected ignoreDuplicatesClause(): string {
    return 'ON DUPLICATE KEY UPDATE id = id';
  }

  /** A no-op assignment of the key: the existing row is left as it is (and locked), nothing is turned into a warning. */
  protected keepExistingClause(keyColumns: readonly string[]): string {
    return `ON DUPLICATE KEY UPDATE ${keyColumns[0]} = ${keyColumns[0]}`;
  }

  protected upsertClause(_keyColumns: readonly string[], updateColumns: readonly string[]): string {
    return `ON DUPLICATE KEY UPDATE ${updateColumns.map((c) => `${c} = VALUES(${c})`).join(', ')}`;
  }

  protected fillNullsClause(_keyColumns: readonly string[], fillColumns: readonly string[]): string {
    return `ON DUPLICATE KEY UPDATE ${fillColumns.map((c) => `${c} = COALESCE(${c}, VALUES(${c}))`).join(', ')}`;
  }

  nowPlus(seconds: number): string {
    return `(NOW(3) + INTERVAL ${Math.trunc(seconds)} SECOND)`;
  }

  plusMinutes(column: string, minutes: number): string {
    return `(${column} + INTERVAL ${Math.trunc(minutes)} MINUTE)`;
  }

  /** `LAST_INSERT_ID(expr)` sets the value the statement's OK packet reports as its insert id: no re-read. */
  async incrementReturning(
    manager: EntityManager,
    table: string,
    column: string,
    id: string,
    by: number,
  ): Promise<number> {
    const result: { affectedRows?: number; insertId?: number | string } = await manager.query(
      `UPDATE ${table} SET ${column} = LAST_INSERT_ID(${column} + ?) WHERE id = ?`,
      [by, id],
    );
    if (!result?.affectedRows) throw new Error(`${table} has no row ${id}`);
    return Number(result.insertId);
  }

  forceIndex(index: string): string {
    return ` FORCE INDEX (${index})`;
  }

  orderedJoin(): string {
    return 'STRAIGHT_JOIN';
  }

  skipLockedClause(): string {
    return ' FOR UPDATE SKIP LOCKED';
  }

  forUpdateClause(): string {
    return ' FOR UPDATE';
  }

  /** MariaDB and MySQL 8 both read this spelling (MySQL's `FOR SHARE` is not MariaDB's). */
  forShareClause(): string {
    return ' LOCK IN SHARE MODE';
  }

  dateParam(date: Date | null): unknown {
    return date; // mysql2 formats it in the connection's time zone ('Z')
  }

  isUniqueViolation(error: unknown): boolean {
    return errno(error) === ER_DUP_ENTRY;
  }

  isTransientLockError(error: unknown): boolean {
    const code = errno(error);
    return code === ER_LOCK_DEADLOCK || code === ER_LOCK_WAIT_TIMEOUT;
  }

  /**
   * A fatal error of the connection (ECONNREFUSED, ECONNRESET, PROTOCOL_CONNECTION_LOST, ETIMEDOUT while
   * connecting…: raw from the pool when a connection cannot be had, wrapped in a QueryFailedError when it breaks
   * mid-statement), no connection from the pool in time, or the server refusing or dropping the connection. A
   * statement's own errors are not fatal.
   */
  isConnectionError(error: unknown): boolean {
    const number = errno(error);
    return (
      fatal(error) || code(error) === ACQUIRE_TIMEOUT_CODE || (number !== undefined && CONNECTION_ERRNOS.has(number))
    );
  }
}
