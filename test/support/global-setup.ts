import { createConnection } from 'mysql2/promise';
import { DEFAULT_TEST_LOG_LEVEL } from './test-log-level';

/**
 * Decides, once for the whole run, which database the suite uses: the MySQL/MariaDB server of DATABASE_URL,
 * or (with no DATABASE_URL) the embedded SQLite database. Fails the run at once when the server is not
 * reachable. (Jest's global setup runs outside the module mapper, so it talks to mysql2 directly; the
 * variables it sets reach every worker, which starts after it.) Also quiets the apps the tests boot: LOG_LEVEL
 * is `silent` unless the developer set it (`LOG_LEVEL=warn npm test`).
 */
export default async function globalSetup(): Promise<void> {
  if (!process.env.LOG_LEVEL) process.env.LOG_LEVEL = DEFAULT_TEST_LOG_LEVEL;
  const url = process.env.DATABASE_URL ?? '';
  process.env.AIV_TEST_DATABASE_URL = url;
  if (!url) {
    process.stdout.write('\ntests run on the embedded SQLite database (set DATABASE_URL to run them on MySQL)\n');
    return;
  }
  const shown = url.replace(/\/\/[^@]*@/, '//***@');
  try {
    const connection = await createConnection({ uri: url, connectTimeout: 5000 });
    const [rows] = await connection.query('SELECT VERSION() AS version');
    await connection.end();
    process.stdout.write(`\ntests run on ${(rows as { version: string }[])[0].version} (${shown})\n`);
  } catch (error) {
    throw new Error(`Cannot reach the test database at ${shown}: ${(error as Error).message}`, { cause: error });
  }
}
