import { ChildProcess, spawn } from 'child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync } from 'fs';
import { join, resolve } from 'path';
import { log, nowMs, waitFor } from './util';

export const REPO = resolve(__dirname, '..', '..');
const BUILD_DIR = join(REPO, 'bench', '.build');
const REGISTER_PATHS = join(REPO, 'bench', 'children', 'register-paths.js');

export interface AppBuild {
  /** Root holding apps/<app>/src/*.js and libs/<lib>/src/*.js. */
  dir: string;
  kind: 'fresh' | 'dist';
  buildMs: number;
}

/**
 * The JavaScript the child processes (API, workers) run, so they carry no TypeScript compiler in memory: by
 * default a fresh `tsc --noCheck` of the current sources into bench/.build (the working tree changes under us;
 * dist/ may be stale), or dist/ with BENCH_USE_DIST=1.
 */
export async function prepareBuild(useDist: boolean): Promise<AppBuild> {
  if (useDist) {
    const dir = join(REPO, 'dist');
    for (const f of ['apps/api/src/main.js', 'apps/worker/src/worker.module.js']) {
      if (!existsSync(join(dir, f))) throw new Error(`BENCH_USE_DIST=1 but dist/${f} is missing: run npm run build`);
    }
    return { dir, kind: 'dist', buildMs: 0 };
  }
  rmSync(BUILD_DIR, { recursive: true, force: true });
  const start = nowMs();
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [
    tsc,
    '-p',
    'tsconfig.build.json',
    '--outDir',
    BUILD_DIR,
    '--noCheck',
    '--sourceMap',
    'false',
    '--declaration',
    'false',
  ];
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolveRun) => {
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (c) => resolveRun({ code: c, output }));
  });
  for (const f of [
    'apps/api/src/main.js',
    'apps/worker/src/worker.module.js',
    'apps/worker/src/worker-job.runner.js',
  ]) {
    if (!existsSync(join(BUILD_DIR, f)))
      throw new Error(`building the apps into bench/.build failed (tsc exit ${code}):\n${output.slice(0, 2000)}`);
  }
  if (code !== 0) log(`build: tsc exited ${code} (emitted anyway):\n${output.slice(0, 800)}`);
  return { dir: BUILD_DIR, kind: 'fresh', buildMs: nowMs() - start };
}

export function removeBuild(build: AppBuild | undefined): void {
  if (build?.kind === 'fresh') rmSync(build.dir, { recursive: true, force: true });
}

export interface SpawnedChild {
  child: ChildProcess;
  logFile: string;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  kill(): Promise<void>;
}

/** Starts `node <script>` with the build's path mapping preloaded; stdout and stderr go to `logFile`. */
export function spawnNode(
  build: AppBuild,
  script: string,
  args: string[],
  env: Record<string, string>,
  logFile: string,
  ipc = false,
): SpawnedChild {
  const fd = openSync(logFile, 'a');
  // e.g. BENCH_CHILD_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the API and the workers.
  const nodeArgs = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '-r', REGISTER_PATHS, script, ...args], {
    cwd: REPO,
    env: { ...process.env, ...env, BENCH_BUILD_DIR: build.dir, NODE_ENV: 'production' },
    stdio: ['ignore', fd, fd, ...(ipc ? (['ipc'] as const) : [])],
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  return {
    child,
    logFile,
    exited,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface LogSummary {
  warn: number;
  error: number;
  /** A few distinct warn/error messages (as logged: phone numbers are masked by the apps). */
  samples: string[];
}

export function logSize(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

/** Counts the warn/error lines of a child's JSON log (pino) or plain text log. */
export function summarizeLog(file: string, maxSamples = 8, fromByte = 0): LogSummary {
  const summary: LogSummary = { warn: 0, error: 0, samples: [] };
  if (!existsSync(file)) return summary;
  const seen = new Set<string>();
  for (const line of readFileSync(file).subarray(fromByte).toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    let level: string;
    let msg = line;
    try {
      const parsed = JSON.parse(line) as { level?: string | number; msg?: string; err?: { message?: string } };
      level =
        typeof parsed.level === 'number'
          ? parsed.level >= 50
            ? 'error'
            : parsed.level >= 40
              ? 'warn'
              : 'info'
          : String(parsed.level ?? '');
      msg = parsed.msg ?? parsed.err?.message ?? line;
    } catch {
      level = /\berror\b/i.test(line) ? 'error' : /\bwarn/i.test(line) ? 'warn' : '';
    }
    if (level === 'warn') summary.warn++;
    else if (level === 'error' || level === 'fatal') summary.error++;
    else continue;
    const key = msg.replace(/\d+/g, '#').slice(0, 160);
    if (!seen.has(key) && summary.samples.length < maxSamples) {
      seen.add(key);
      summary.samples.push(`${level}: ${msg.slice(0, 300)}`);
    }
  }
  return summary;
}

/** Waits until `url` answers 2xx (a health probe), failing at once, with the log's last lines, if the process exited. */
export async function waitLive(
  url: string,
  proc: { child: { exitCode: number | null } },
  logFile: string,
  what: string,
): Promise<void> {
  await waitFor(
    `${what} to answer ${url}`,
    120_000,
    async () => {
      if (proc.child.exitCode !== null)
        throw new Error(
          `${what} exited with ${proc.child.exitCode}; see ${logFile}:\n${summarizeLog(logFile).samples.join('\n')}`,
        );
      try {
        return (await fetch(url)).ok ? true : undefined;
      } catch {
        return undefined;
      }
    },
    200,
  );
}
