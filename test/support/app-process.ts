import { ChildProcess, spawn } from 'child_process';
import { createServer } from 'net';
import { join } from 'path';

const ROOT = join(__dirname, '..', '..');

export interface AppProcess {
  /** `api` or `worker`: which main.ts runs. */
  name: string;
  process: ChildProcess;
  /** `http://127.0.0.1:<port>`: the API's port, or the worker's probe and metrics port. */
  baseUrl: string;
  /** Its stdout (JSON log lines) and stderr so far, never printed: for the test's own messages. */
  output(): string;
  /** How it ended, or null while it runs. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | null;
  /** SIGTERM, then its exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * An app as production runs it: its own main.ts (`apps/<name>/src/main.ts`) in its own OS process, through ts-node
 * (no build needed), with only `env` (and PATH): the API listening on API_PORT, or the worker with its crons,
 * events relay loop and probe port (WORKER_PORT). Resolves once `/health/live` answers; fails if the process
 * exits first or does not answer within `bootMs`.
 */
export async function startAppProcess(
  name: 'api' | 'worker',
  port: number,
  env: Record<string, string>,
  bootMs = 120_000,
): Promise<AppProcess> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join('apps', name, 'src', 'main.ts')],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
        ...env,
        [name === 'api' ? 'API_PORT' : 'WORKER_PORT']: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    // The tail is what explains a failure; a long run's whole log is not needed.
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve((exit = { code, signal }))),
  );
  // A jest worker that dies without afterAll must not leave the app behind.
  const kill = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
  process.once('exit', kill);

  const baseUrl = `http://127.0.0.1:${port}`;
  const app: AppProcess = {
    name,
    process: child,
    baseUrl,
    output: () => output,
    exit: () => exit,
    stop: async (graceMs = 30_000) => {
      process.removeListener('exit', kill);
      if (exit) return exit;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const ended = await exited;
      clearTimeout(timer);
      return ended;
    },
  };
  const deadline = Date.now() + bootMs;
  for (;;) {
    if (exit) throw new Error(`the ${name} exited while booting (${JSON.stringify(exit)}): ${output.slice(-3000)}`);
    try {
      if ((await fetch(`${baseUrl}/health/live`, { signal: AbortSignal.timeout(2000) })).ok) return app;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await app.stop(1000);
      throw new Error(`the ${name} did not answer /health/live within ${bootMs} ms: ${output.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A port free on 127.0.0.1 now (the OS's pick), for a process that will listen on it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
