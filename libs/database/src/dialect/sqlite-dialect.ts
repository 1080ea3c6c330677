import { DataSource, EntityManager, EntityTarget, FindOptionsWhere } from 'typeorm';
import { DateUtils } from 'typeorm/util/DateUtils';
import { SqlDialect } from './sql-dialect';
import { selectEntities } from '../select-entities';

function sqliteCode(error: unknown): string | undefined {
  const e = error as { code?: string; driverError?: { code?: string } };
  return e?.driverError?.code ?? e?.code;
}

/**
 * The embedded database (better-sqlite3). SQLite has one writer at a time per file and TypeORM drives it
 * through a single connection, on which two interleaved transactions would silently become one. So:
 *  - transactions of this process run one after another (an in-process queue);
 *  - "locking a row" takes the database's write lock at once, with a no-op write as the transaction's first
 *    statement, so another process (API vs worker) waits on the busy timeout instead of failing a
 *    snapshot upgrade later; the effect is the row lock of MySQL and more.
 */
export class SqliteDialect extends SqlDialect {
  readonly kind = 'sqlite' as const;
  private queue: Promise<unknown> = Promise.resolve();

  transaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const run = this.queue.then(() => dataSource.transaction(work));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** SQLite has no row locks: a write that changes nothing takes the database's write lock, then the read. */
  async lockOne<T extends { id: unknown }>(
    manager: EntityManager,
    target: EntityTarget<T>,
    id: string,
  ): Promise<T | null> {
    const repo = manager.getRepository(target);
    await manager.query(`UPDATE ${repo.metadata.tableName} SET id = id WHERE id = ?`, [id]);
    return repo.findOne({ where: { id } as FindOptionsWhere<T> });
  }

  /** As lockOne: the database's write lock (one no-op write), then the rows in id order. */
  async lockMany<T extends { id: unknown }>(
    manager: EntityManager,
    target: EntityTarget<T>,
    ids: readonly string[],
  ): Promise<T[]> {
    if (ids.length === 0) return [];
    const repo = manager.getRepository(target);
    const marks = ids.map(() => '?').join(', ');
    await manager.query(`UPDATE ${repo.metadata.tableName} SET id = id WHERE id IN (${marks})`, [...ids]);
    return selectEntities(manager, target, `WHERE id IN (${marks}) ORDER BY id`, ids);
  }

  /**
   * Takes the database's write lock now, with a write that changes nothing. A transaction that reads first and
   * writes later would otherwise fail at once (SQLITE_BUSY_SNAPSHOT, no busy timeout) when another process
   * wrote in between: with several worker processes claiming leases, they all would.
   */
  async intendToWrite(manager: EntityManager, table: string): Promise<void> {
    await manager.query(`UPDATE ${table} SET id = id WHERE 0`);
  }

  protected updateFromClause(
    table: string,
    key: string,
    derived: string,
    set: Readonly<Record<string, string>>,
  ): string {
    // UPDATE … FROM (SQLite 3.33+): the assigned columns are the target's, unqualified.
    const assignments = Object.entries(set).map(([column, expression]) => `${column} = ${expression}`);
    return `UPDATE ${table} AS t SET ${assignments.join(', ')} FROM ${derived} AS v WHERE t.${key} = v.${key}`;
  }

  /** SQLite 3.35+: better-sqlite3 bundles a later one. */
  protected canReturnInserted(): boolean {
    return true;
  }

  protected ignoreDuplicatesClause(): string {
    return 'ON CONFLICT DO NOTHING';
  }

  protected keepExistingClause(keyColumns: readonly string[]): string {
    return `ON CONFLICT (${keyColumns.join(', ')}) DO NOTHING`;
  }

  protected upsertClause(keyColumns: readonly string[], updateColumns: readonly string[]): string {
    return `ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET ${updateColumns.map((c) => `${c} = excluded.${c}`).join(', ')}`;
  }

  protected fillNullsClause(keyColumns: readonly string[], fillColumns: readonly string[]): string {
    return `ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET ${fillColumns.map((c) => `${c} = COALESCE(${c}, excluded.${c})`).join(', ')}`;
  }

  nowPlus(seconds: number): string {
    return `strftime('%Y-%m-%d %H:%M:%f', 'now', '${Math.trunc(seconds) >= 0 ? '+' : ''}${Math.trunc(seconds)} seconds')`;
  }

  plusMinutes(column: string, minutes: number): string {
    const m = Math.trunc(minutes);
    return `strftime('%Y-%m-%d %H:%M:%f', ${column}, '${m >= 0 ? '+' : ''}${m} minutes')`;
  }

  /** SQLite has one writer at a time: the claim's conditional UPDATE alone decides who wins. */
  async incrementReturning(
    manager: EntityManager,
    table: string,
    column: string,
    id: string,
    by: number,
  ): Promise<number> {
    const rows: Record<string, number | string>[] = await manager.query(
      `UPDATE ${table} SET ${column} = ${column} + ? WHERE id = ? RETURNING ${column}`,
      [by, id],
    );
    if (rows.length === 0) throw new Error(`${table} has no row ${id}`);
    return Number(rows[0][column]);
  }

  forceIndex(): string {
    return '';
  }

  orderedJoin(): string {
    return 'CROSS JOIN';
  }

  skipLockedClause(): string {
    return '';
  }

  /** The transaction already holds the database's write lock (lockOne / intendToWrite): its reads are current. */
  forUpdateClause(): string {
    return '';
  }

  /** As forUpdateClause: the transaction holds the database's write lock. */
  forShareClause(): string {
    return '';
  }

  dateParam(date: Date | null): unknown {
    // The format TypeORM itself stores datetime columns in: UTC 'YYYY-MM-DD HH:MM:SS.SSS'.
    return date ? DateUtils.mixedDateToUtcDatetimeString(date) : null;
  }

  isUniqueViolation(error: unknown): boolean {
    const code = sqliteCode(error);
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  }

  isTransientLockError(error: unknown): boolean {
    const code = sqliteCode(error);
    return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
  }

  /** A file opened in the process has no connection to lose: a file that cannot be read is not a passing outage. */
  isConnectionError(): boolean {
    return false;
  }
}
