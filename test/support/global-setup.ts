import { createConnection } from 'mysql2/promise';

/**
 * Fails the run at once, with the reason, when the test database server is not reachable.
 * (Jest's global setup runs outside the module mapper, so it talks to mysql2 directly.)
 */
export default async function globalSetup(): Promise<void> {
  const url = process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/test';
  try {
    const connection = await createConnection({ uri: url, connectTimeout: 5000 });
    const [rows] = await connection.query('SELECT VERSION() AS version');
    await connection.end();
    const version = (rows as { version: string }[])[0].version;
    process.stdout.write(`\ntests run on ${version} (${url.replace(/\/\/[^@]*@/, '//***@')})\n`);
  } catch (error) {
    throw new Error(`Cannot reach the test database at ${url.replace(/\/\/[^@]*@/, '//***@')}: ${(error as Error).message}`);
  }
}
