import { spawnSync } from 'child_process';
import { join } from 'path';

const ROOT = join(__dirname, '..');

/** Runs an app's main.ts as its own process (through ts-node, so no build is needed) with only `env`. */
function start(main: string, env: Record<string, string>) {
  return spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', main], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), NODE_ENV: 'production', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

const parse = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('a start-up that fails on its configuration', () => {
  it.each([
    [
      'API',
      'apps/api/src/main.ts',
      'ai-visitor-api',
      { SERVICE_TOKEN: 'short', ADMIN_TOKEN: 'test-admin-token-0123456789' },
      'SERVICE_TOKEN',
    ],
    ['worker', 'apps/worker/src/main.ts', 'ai-visitor-worker', { WORKER_PORT: 'not-a-port' }, 'WORKER_PORT'],
  ])(
    'the %s writes JSON lines only, one of them the error naming the variable, and exits 1',
    (_app, main, service, env, variable) => {
      const run = start(main, env);

      expect(run.error).toBeUndefined();
      expect(run.status).toBe(1);
      expect(run.stderr).toBe('');
      expect(run.stdout).not.toContain('\u001b[');
      const lines = parse(run.stdout);
      const failures = lines.filter((line) => line.level === 'error' || line.level === 'fatal');
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ service, time: expect.any(String), msg: expect.stringContaining(variable) });
      expect(lines.every((line) => line.service === service)).toBe(true);
    },
  );

  it('honours LOG_LEVEL before the configuration is read: at `error`, the failure is the only line', () => {
    const run = start('apps/api/src/main.ts', {
      SERVICE_TOKEN: 'short',
      ADMIN_TOKEN: 'test-admin-token-0123456789',
      LOG_LEVEL: 'error',
    });

    expect(run.status).toBe(1);
    const lines = parse(run.stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error',
      service: 'ai-visitor-api',
      msg: expect.stringContaining('SERVICE_TOKEN'),
    });
  });
});
