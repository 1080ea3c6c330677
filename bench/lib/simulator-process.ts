import { spawn } from 'child_process';
import { join } from 'path';
import { SimulatorOptions } from '../../apps/robot-call-simulator/src';
import { REPO } from './children';
import { BenchSimulator, SIMULATOR_KEY } from './simulator';

/** Plain simulator options (JSON): what a simulator in its own process can be given. */
export type PlainSimulatorOptions = { callMs: number; parallelism: number; delayMs?: number } & Partial<
  Pick<
    SimulatorOptions,
    'connectRate' | 'conversationRate' | 'transcriptBytes' | 'pushUrl' | 'pushSecret' | 'pushBatchMs'
  >
>;

/**
 * Starts the robot-call simulator in a child process of its own (bench/children/simulator-child.ts, through
 * ts-node, no build needed) and drives it over HTTP like the in-process one: the pages it serves are then built
 * on the machine's other core, not in the app's event loop, as a remote platform's would be. Its CPU time is
 * readable from `/proc/<pid>` (`pid`). Closing it ends the process.
 */
export async function startSimulatorProcess(
  options: PlainSimulatorOptions,
): Promise<{ simulator: BenchSimulator; pid: number }> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(REPO, 'bench', 'children', 'simulator-child.ts')],
    {
      cwd: REPO,
      env: {
        ...process.env,
        TS_NODE_PROJECT: join(REPO, 'bench', 'tsconfig.json'),
        BENCH_SIMULATOR_OPTIONS: JSON.stringify({ apiKey: SIMULATOR_KEY, ...options }),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { type: string; baseUrl?: string; message?: string }) =>
      m.type === 'ready' && m.baseUrl ? resolve(m.baseUrl) : reject(new Error(`simulator process: ${m.message}`)),
    );
    child.once('exit', (code) => reject(new Error(`simulator process exited with ${code} before it was ready`)));
  });
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { simulator: BenchSimulator.remote(baseUrl, close), pid: child.pid! };
}
