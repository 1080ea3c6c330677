import { ChildProcess, execFile, spawn } from 'child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { promisify } from 'util';
import { createConnection } from 'mysql2/promise';

const run = promisify(execFile);

export interface PrivateMariaDb {
  /** `mysql://root@127.0.0.1:<port>/mysql`: root over TCP, empty password. */
  url: string;
  stop(): Promise<void>;
}

/**
 * A MariaDB server of the test's own: its own data directory under the system's temp directory, its own port
 * and socket, started with `args` (e.g. `--default-time-zone=+08:00`), for what the shared test server cannot be
 * reconfigured to show. Needs `mariadbd` and `mariadb-install-db` (Debian: package mariadb-server); takes a few
 * seconds. `stop()` kills it and removes the directory.
 */
export async function startPrivateMariaDb(args: string[] = []): Promise<PrivateMariaDb> {
  const dir = mkdtempSync(join(tmpdir(), 'aiv-mariadb-'));
  const datadir = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const asRoot = process.getuid?.() === 0;
  // mariadbd will not run as root: it switches to `mysql`, which must own the directory for its socket.
  if (asRoot)
    chownSync(
      dir,
      Number((await run('id', ['-u', 'mysql'])).stdout),
      Number((await run('id', ['-g', 'mysql'])).stdout),
    );
  const user = asRoot ? ['--user=mysql'] : [];
  // Small and unsafe on purpose: a throwaway server for one test file.
  const lean = [
    '--innodb-buffer-pool-size=32M',
    '--innodb-log-file-size=16M',
    '--innodb-flush-log-at-trx-commit=0',
    '--skip-innodb-doublewrite',
  ];

  let server: ChildProcess | undefined;
  const kill = () => server?.exitCode === null && server.kill('SIGKILL');
  try {
    await run('mariadb-install-db', [
      '--no-defaults',
      `--datadir=${datadir}`,
      ...user,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...lean,
    ]);
    const port = await freePort();
    server = spawn(
      'mariadbd',
      [
        '--no-defaults',
        `--datadir=${datadir}`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--pid-file=${join(dir, 'mysqld.pid')}`,
        `--log-error=${join(dir, 'error.log')}`,
        '--skip-name-resolve',
        ...user,
        ...lean,
        ...args,
      ],
      { stdio: 'ignore' },
    );
    // A jest worker that dies without afterAll must not leave the server behind.
    process.once('exit', kill);
    const exited = new Promise<never>((_, reject) =>
      server!.once('exit', (code, signal) => reject(new Error(`mariadbd exited (${code ?? signal}): ${logTail(dir)}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([exited, grantRootOverTcp(socket)]);
    const stopped = server;
    return {
      url: `mysql://root@127.0.0.1:${port}/mysql`,
      stop: async () => {
        process.removeListener('exit', kill);
        if (stopped.exitCode === null && stopped.signalCode === null) {
          const gone = new Promise((resolve) => stopped.once('exit', resolve));
          stopped.kill('SIGTERM');
          const timer = setTimeout(() => stopped.kill('SIGKILL'), 20_000);
          await gone;
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    kill();
    process.removeListener('exit', kill);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Waits for the socket to answer, then lets root in over TCP (install-db grants it on the socket only). */
async function grantRootOverTcp(socket: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const conn = await createConnection({ socketPath: socket, user: 'root', password: '' });
      try {
        await conn.query("CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY ''");
        await conn.query("GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION");
      } finally {
        await conn.end();
      }
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`the private MariaDB did not answer in ${timeoutMs} ms: ${(error as Error).message}`, {
          cause: error,
        });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function logTail(dir: string): string {
  try {
    return readFileSync(join(dir, 'error.log'), 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no error log)';
  }
}
