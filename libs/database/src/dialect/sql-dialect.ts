import { EntityManager } from 'typeorm';

/**
 * The one seam for SQL that differs between database engines: row locks, insert-or-ignore and how a
 * unique-key violation is recognised. Repositories call it instead of writing engine-specific SQL.
 */
export abstract class SqlDialect {
  /** Locks one row for the rest of the transaction (`SELECT … FOR UPDATE`); returns false when it does not exist. */
  abstract lockRow(manager: EntityManager, table: string, id: string): Promise<boolean>;

  /**
   * Inserts many rows in one statement, silently skipping rows whose unique key already exists.
   * Rows are sent in the order given: callers sort them by key so concurrent writers lock in one order.
   */
  abstract insertIgnore(
    manager: EntityManager,
    table: string,
    columns: readonly string[],
    rows: readonly unknown[][],
  ): Promise<void>;

  abstract isUniqueViolation(error: unknown): boolean;

  /** Deadlock or lock-wait timeout: the transaction may succeed if run again. */
  abstract isTransientLockError(error: unknown): boolean;
}
