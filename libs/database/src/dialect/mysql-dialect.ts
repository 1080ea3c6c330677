import { EntityManager } from 'typeorm';
import { SqlDialect } from './sql-dialect';

const ER_DUP_ENTRY = 1062;
const ER_LOCK_WAIT_TIMEOUT = 1205;
const ER_LOCK_DEADLOCK = 1213;

/** Keeps a statement's placeholder count well under the server's 65,535 limit. */
const MAX_PARAMS_PER_STATEMENT = 30_000;

function errno(error: unknown): number | undefined {
  const e = error as { errno?: number; driverError?: { errno?: number } };
  return e?.driverError?.errno ?? e?.errno;
}

export class MysqlDialect extends SqlDialect {
  async lockRow(manager: EntityManager, table: string, id: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(`SELECT id FROM ${table} WHERE id = ? FOR UPDATE`, [id]);
    return rows.length > 0;
  }

  async insertIgnore(
    manager: EntityManager,
    table: string,
    columns: readonly string[],
    rows: readonly unknown[][],
  ): Promise<void> {
    if (rows.length === 0) return;
    const rowsPerStatement = Math.max(1, Math.floor(MAX_PARAMS_PER_STATEMENT / columns.length));
    const placeholder = `(${columns.map(() => '?').join(', ')})`;
    for (let start = 0; start < rows.length; start += rowsPerStatement) {
      const chunk = rows.slice(start, start + rowsPerStatement);
      await manager.query(
        // ON DUPLICATE KEY UPDATE id = id rather than INSERT IGNORE: IGNORE would also turn bad data into warnings.
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => placeholder).join(', ')} ON DUPLICATE KEY UPDATE id = id`,
        chunk.flat(),
      );
    }
  }

  isUniqueViolation(error: unknown): boolean {
    return errno(error) === ER_DUP_ENTRY;
  }

  isTransientLockError(error: unknown): boolean {
    const code = errno(error);
    return code === ER_LOCK_DEADLOCK || code === ER_LOCK_WAIT_TIMEOUT;
  }
}
