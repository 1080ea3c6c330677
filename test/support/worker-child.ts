import { ChildProcess, spawn } from 'child_process';
import { join } from 'path';
import type { ChildMessage, SyncInterval } from './worker-process';

export type { SyncInterval };

const ROOT = join(__dirname, '..', '..');

export interface WorkerChild {
  process: ChildProcess;
  /** Resolves when the worker has booted and waits for `go`. */
  ready: Promise<void>;
  /** Starts the passes. */
  go(): void;
  /** How the process ended, with its report if it got that far (resolves once its IPC channel is read to the end). */
  exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    report?: Extract<ChildMessage, { type: 'done' }>;
    stderr: string;
  }>;
}

/**
 * Spawns test/support/worker-process.ts as a separate OS process with the apps' environment as this process has
 * it now (the harness sets it), plus `env`.
 */
export function spawnWorker(env: Record<string, string> = {}): WorkerChild {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      join('test', 'support', 'worker-process.ts'),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, ...env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  let report: Extract<ChildMessage, { type: 'done' }> | undefined;
  let resolveReady: () => void;
  let rejectReady: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  child.on('message', (message: ChildMessage) => {
    if (message.type === 'ready') resolveReady();
    if (message.type === 'done') report = message;
    if (message.type === 'failed') {
      stderr += `worker process failed: ${message.message}\n`;
      rejectReady(new Error(`worker process failed: ${message.message}`));
    }
  });
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    report?: typeof report;
    stderr: string;
  }>((resolve) => {
    // 'close', not 'exit': 'exit' may come before the parent has read the IPC channel to its end, and a large
    // `done` report (the worker-processes suite's intervals) would then be missed.
    child.on('close', (code, signal) => {
      rejectReady(
        new Error(`worker process exited before it was ready (code ${code}, signal ${signal}): ${stderr.slice(-2000)}`),
      );
      resolve({ code, signal, report, stderr });
    });
  });
  return {
    process: child,
    ready,
    go: () => child.send({ type: 'go' }),
    exited,
  };
}
