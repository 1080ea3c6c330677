import { QueryRunner } from 'typeorm';
import { queryRows } from './query-rows';

/**
 * The server's binary, no-pad collation of utf8mb4, for ids that must compare byte for byte (the platform's record,
 * campaign and request ids): MariaDB's `utf8mb4_nopad_bin` first, then MySQL 8's `utf8mb4_0900_bin`. The `_bin`
 * collations pad spaces and `ascii_bin` refuses non-ASCII ids. For migrations (outside `migrations/`, whose every
 * file is loaded as one).
 */
export async function byteCollation(queryRunner: QueryRunner): Promise<string> {
  const preferred = ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin'];
  const rows = await queryRows<{ name: string }>(
    queryRunner,
    `SELECT COLLATION_NAME AS name FROM information_schema.COLLATIONS WHERE COLLATION_NAME IN (${preferred.map(() => '?').join(', ')})`,
    preferred,
  );
  const found = preferred.find((name) => rows.some((row) => row.name === name));
  if (!found) {
    throw new Error(
      `the server has none of the collations ${preferred.join(', ')} (MySQL 8.0.17+ or MariaDB 10.2+ is required)`,
    );
  }
  return found;
}
