import { DataSource, EntityManager, EntityTarget } from 'typeorm';

/**
 * The one seam for SQL that differs between database engines: row locks, how transactions are run,
 * insert-or-ignore, date parameters of raw SQL and how errors are recognised. Repositories call it instead of
 * writing engine-specific SQL; each engine has one implementation, both covered by the same test suite.
 */
export abstract class SqlDialect {
  abstract readonly kind: 'mysql' | 'sqlite';

  /** Runs `work` in one transaction. */
  abstract transaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T>;

  /**
   * Locks one row (by its `id`) for the rest of the transaction and reads it, in one statement where the engine
   * has locking reads; null when it does not exist.
   */
  abstract lockOne<T extends { id: unknown }>(
    manager: EntityManager,
    target: EntityTarget<T>,
    id: string,
  ): Promise<T | null>;

  /**
   * Locks several rows (by their `id`) for the rest of the transaction and reads them, in id order: the locks are
   * taken in that order too, so two transactions locking overlapping sets cannot deadlock on them. One statement
   * where the engine has locking reads; rows that do not exist are left out.
   */
  abstract lockMany<T extends { id: unknown }>(
    manager: EntityManager,
    target: EntityTarget<T>,
    ids: readonly string[],
  ): Promise<T[]>;

  /**
   * Declares, as a transaction's first statement, that it will write `table` after reading it (a claim:
   * select candidates, then update them). MySQL needs nothing (row locks, SKIP LOCKED); see SqliteDialect.
   */
  abstract intendToWrite(manager: EntityManager, table: string): Promise<void>;

  /** Inserts many rows in one statement per chunk; a duplicate key fails the statement. */
  async insertMany(
    manager: EntityManager,
    table: string,
    columns: readonly string[],
    rows: readonly unknown[][],
  ): Promise<void> {
    await this.insertRows(manager, table, columns, rows, '');
  }

  /**
   * Inserts rows that must all be new (a duplicate key fails the statement, as `insertMany`) and gives back each
   * one's `returning` columns from the same statement, where the server can (`INSERT … RETURNING`: MariaDB 10.5+,
   * SQLite 3.35+); `undefined` where it cannot (MySQL), the rows inserted all the same. One statement per chunk.
   */
  async insertReturning(
    manager: EntityManager,
    table: string,
    columns: readonly string[],
    rows: readonly unknown[][],
    returning: readonly string[],
  ): Promise<Record<string, unknown>[] | undefined> {
    if (!this.canReturnInserted(manager)) {
      await this.insertMany(manager, table, columns, rows);
      return undefined;
    }
    const returned: Record<string, unknown>[][] = await this.insertRows(
      manager,
      table,
      columns,
      rows,
      `RETURNING ${returning.join(', ')}`,
    );
    return returned.flat();
  }

  /** Whether an INSERT can return its rows' columns (`RETURNING`) on this connection's server. */
  protected abstract canReturnInserted(manager: EntityManager): boolean;

  /**
   * Inserts many rows in one statement per chunk, silently skipping rows whose unique key already exists.
   * Rows are sent in the order given: callers sort them by key so concurrent writers lock in one order.
   */
  async insertIgnore(
    manager: EntityManager,
    table: string,
    columns: readonly string[],
    rows: readonly unknown[][],
  ): Promise<void> {
    await this.insertRows(manager, table, columns, rows, this.ignoreDuplicatesClause());
  }

  /**
   * Inserts many rows; a row whose key (`keyColumns`, a unique key) exists instead updates `updateColumns`
   * from the row given. One statement per chunk.
   */
  async upsert(
    manager: EntityManager,
    table: string,
    columns: readonly string[],
    keyColumns: readonly string[],
    rows: readonly unknown[][],
    updateColumns: readonly string[],
  ): Promise<void> {
    await this.insertRows(manager, table, columns, rows, this.upsertClause(keyColumns, updateColumns));
  }

  /**
   * Inserts many rows; a row whose key (`keyColumns`, a unique key) exists keeps every value it has and takes the
   * row's value only for the `fillColumns` it holds NULL in (each column on its own: `c = COALESCE(c, new)`).
   * A value already stored is never replaced, one missing is filled. One statement per chunk.
   */
  async upsertFillingNulls(
    manager: EntityManager,
    table: string,
    columns: readonly string[],
    keyColumns: readonly string[],
    rows: readonly unknown[][],
    fillColumns: readonly string[],
  ): Promise<void> {
    await this.insertRows(manager, table, columns, rows, this.fillNullsClause(keyColumns, fillColumns));
  }

  /**
   * Inserts the rows whose key (`keyColumns`, a unique key) does not exist yet and leaves the existing ones as
   * they are, one statement per chunk. Unlike `insertIgnore` it names the key, so it suits tables without an
   * `id` column. On MySQL an existing row is locked by the statement, as by a write; SQLite has one writer.
   */
  async insertMissing(
    manager: EntityManager,
    table: string,
    columns: readonly string[],
    keyColumns: readonly string[],
    rows: readonly unknown[][],
  ): Promise<void> {
    await this.insertRows(manager, table, columns, rows, this.keepExistingClause(keyColumns));
  }

  /**
   * Updates many rows, each to its own values, in one statement per chunk: the rows (`[key, ...values]`) become
   * a derived table joined to `table` on its key, so each row is found once by its key (a CASE per column would
   * compare every row against every value). `set` maps a column to the expression it takes, with `v.<name>`
   * for the row's value of `columns` and `t.<column>` for the current one. Rows are sent in the order given:
   * callers sort them by key so concurrent writers lock in one order.
   */
  async updateRows(
    manager: EntityManager,
    table: string,
    key: string,
    columns: readonly string[],
    rows: readonly unknown[][],
    set: Readonly<Record<string, string>>,
    chunkRows = 500,
  ): Promise<void> {
    const names = [key, ...columns];
    for (let i = 0; i < rows.length; i += chunkRows) {
      const derived = this.rowsAsTable(names, rows.slice(i, i + chunkRows));
      await manager.query(this.updateFromClause(table, key, derived.sql, set), derived.params);
    }
  }

  /**
   * Rows as a table expression whose columns are `names` (the first the key, an integer id): by default a
   * parenthesised `SELECT ? AS a, … UNION ALL SELECT ?, …`, one query block a row.
   */
  protected rowsAsTable(names: readonly string[], rows: readonly unknown[][]): { sql: string; params: unknown[] } {
    const first = `SELECT ${names.map((n) => `? AS ${n}`).join(', ')}`;
    const rest = ` UNION ALL SELECT ${names.map(() => '?').join(', ')}`;
    return { sql: `(${first + rest.repeat(rows.length - 1)})`, params: rows.flat() };
  }

  /** `UPDATE table t … <derived> v … SET …` joined on `key`, in the engine's syntax. */
  protected abstract updateFromClause(
    table: string,
    key: string,
    derived: string,
    set: Readonly<Record<string, string>>,
  ): string;

  /** The tail of an INSERT that skips rows whose unique key exists. */
  protected abstract ignoreDuplicatesClause(): string;

  /** The tail of an INSERT that leaves rows whose key (`keyColumns`) exists as they are. */
  protected abstract keepExistingClause(keyColumns: readonly string[]): string;

  /** The tail of an INSERT that updates `updateColumns` of rows whose key exists. */
  protected abstract upsertClause(keyColumns: readonly string[], updateColumns: readonly string[]): string;

  /** The tail of an INSERT that fills the NULL `fillColumns` of rows whose key exists, keeping the rest. */
  protected abstract fillNullsClause(keyColumns: readonly string[], fillColumns: readonly string[]): string;

  /**
   * Adds `by` to an integer column of the row with primary key `id` and returns the new value, in one statement
   * (the row stays locked by the caller's transaction). Throws when no row has that id.
   */
  abstract incrementReturning(
    manager: EntityManager,
    table: string,
    column: string,
    id: string,
    by: number,
  ): Promise<number>;

  /** SQL for the database's own clock, `seconds` from now (leases use database time only, never the worker's). */
  abstract nowPlus(seconds: number): string;

  /** SQL for the datetime column (or expression) `column` plus `minutes` (an integer), in the columns' format. */
  abstract plusMinutes(column: string, minutes: number): string;

  /**
   * ` FORCE INDEX (<index>)` where the engine's planner needs telling: MySQL/MariaDB, whose plans follow index
   * statistics that are wrong while a table is young or just emptied (seen: a claim going from milliseconds to
   * 80 s as MariaDB split a grouped derived table into a per-row LATERAL one). SQLite: nothing.
   */
  abstract forceIndex(index: string): string;

  /**
   * A join that keeps its written order (the left side read first): `STRAIGHT_JOIN` on MySQL/MariaDB, `CROSS
   * JOIN` on SQLite (where it means just that); with an ON clause.
   */
  abstract orderedJoin(): string;

  /** ` FOR UPDATE SKIP LOCKED` where the engine has it (rows other workers are claiming are passed over). */
  abstract skipLockedClause(): string;

  /**
   * ` FOR UPDATE` where the engine has row locks: the SELECT reads the rows as last committed (not the
   * transaction's snapshot) and keeps them locked to its end. SQLite has one writer, whose reads are current.
   */
  abstract forUpdateClause(): string;

  /**
   * ` LOCK IN SHARE MODE` where the engine has row locks: the row is read as last committed and kept from being
   * written (by a `FOR UPDATE` holder) to the transaction's end, while other readers sharing it go on. SQLite
   * has one writer, whose reads are current.
   */
  abstract forShareClause(): string;

  /** A Date as a parameter of hand-written SQL (the query builder converts dates itself). */
  abstract dateParam(date: Date | null): unknown;

  abstract isUniqueViolation(error: unknown): boolean;

  /** Deadlock, lock-wait timeout or busy database: the transaction may succeed if run again. */
  abstract isTransientLockError(error: unknown): boolean;

  /**
   * The database could not be reached, or the connection went away mid-statement (refused, reset, closed, timed
   * out while connecting, the server shutting down): nothing is wrong with the statement, and the same request
   * may succeed once the database is back. Answered as DATABASE_UNAVAILABLE (503), not as a 500.
   */
  abstract isConnectionError(error: unknown): boolean;

  /** Multi-row INSERTs in chunks binding at most MAX_PARAMS_PER_STATEMENT placeholders each; each chunk's result. */
  private async insertRows<R = unknown>(
    manager: EntityManager,
    table: string,
    columns: readonly string[],
    rows: readonly unknown[][],
    tail: string,
  ): Promise<R[]> {
    const placeholder = `(${columns.map(() => '?').join(', ')})`;
    const results: R[] = [];
    for (const chunk of chunkRows(rows, columns.length, MAX_PARAMS_PER_STATEMENT)) {
      results.push(
        await manager.query(
          `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => placeholder).join(', ')} ${tail}`,
          chunk.flat().map((value) => (value instanceof Date ? this.dateParam(value) : value)),
        ),
      );
    }
    return results;
  }
}

/** Keeps a statement's placeholders well under both engines' limits (MySQL 65,535; SQLite 32,766). */
const MAX_PARAMS_PER_STATEMENT = 30_000;

/** Splits rows so one statement binds at most `maxParams` placeholders. */
function chunkRows<T>(rows: readonly T[], columns: number, maxParams: number): T[][] {
  const size = Math.max(1, Math.floor(maxParams / columns));
  const chunks: T[][] = [];
  for (let start = 0; start < rows.length; start += size) chunks.push(rows.slice(start, start + size));
  return chunks;
}
