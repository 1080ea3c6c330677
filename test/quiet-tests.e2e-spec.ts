import { spawnSync } from 'child_process';
import { join } from 'path';

const ROOT = join(__dirname, '..');

/**
 * `npm test` prints test results, not logs: run one harness-based file in its own jest, with no LOG_LEVEL (as a
 * developer runs it), and look for any line Nest or pino would write (migrations, start-up, access lines).
 */
describe('the test suite without LOG_LEVEL', () => {
  it('prints no log line from the migrations, the apps or the simulator', () => {
    const { LOG_LEVEL: _unset, ...env } = process.env;
    const run = spawnSync(
      process.execPath,
      [require.resolve('jest/bin/jest'), '--ci', '--maxWorkers=1', 'test/rate-limit.e2e-spec.ts'],
      {
        cwd: ROOT,
        env,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );

    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status).toBe(0);
    expect(output).toContain('PASS test/rate-limit.e2e-spec.ts');
    expect(output).not.toMatch(/\[Nest\]|"level":|Migration .* has been executed/);
  });
});
