import { envValidator } from '@app/core';
import { WORKER_NAMESPACES } from './worker-namespaces';

describe('worker configuration validation', () => {
  const validate = envValidator(...WORKER_NAMESPACES.map((namespace) => namespace.schema));

  function failure(env: Record<string, unknown>): string {
    try {
      validate(env);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected the configuration to be refused');
  }

  it('takes the defaults from an empty environment', () => {
    expect(validate({})).toMatchObject({
      WORKER_PORT: 3001,
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: 25_000,
      SYNC_CRON: '*/30 * * * *',
      BOT_EXPIRY_CRON: '*/10 * * * *',
      EVENTS_PURGE_CRON: '0 * * * *',
      EVENTS_RETENTION_DAYS: 30,
    });
  });

  it('accepts WORKER_PORT, LOG_LEVEL=silent and a SHUTDOWN_TIMEOUT_MS', () => {
    expect(validate({ WORKER_PORT: '9464', LOG_LEVEL: 'silent', SHUTDOWN_TIMEOUT_MS: '0' })).toMatchObject({
      WORKER_PORT: 9464,
      LOG_LEVEL: 'silent',
      SHUTDOWN_TIMEOUT_MS: 0,
    });
  });

  it.each([
    ['WORKER_PORT', '65536'],
    ['WORKER_PORT', 'http'],
    ['LOG_LEVEL', 'INFO'],
    ['SHUTDOWN_TIMEOUT_MS', '3600000'],
    ['SYNC_CRON', 'every minute'],
    ['SYNC_CONCURRENCY', '0'],
    ['BOT_EXPIRY_CRON', 'every ten minutes'],
    ['EVENTS_PURGE_CRON', '61 * * * *'],
    ['EVENTS_RETENTION_DAYS', '0'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(failure({ [name]: value })).toMatch(new RegExp(`^\\s+${name}: `, 'm'));
  });

  it("requires ROBOT_CALL_API_KEY with a DATABASE_URL (the callback secret is the API's alone)", () => {
    const production = {
      DATABASE_URL: 'mysql://aiv:secret@db:3306/aiv',
      PHONE_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 'a').toString('base64')}`,
      PHONE_HASH_KEY: Buffer.alloc(32, 'h').toString('base64'),
    };
    const message = failure(production);

    expect(message).toMatch(/^\s+ROBOT_CALL_API_KEY: ROBOT_CALL_API_KEY must be set when DATABASE_URL is set/m);
    expect(message).not.toMatch(/ROBOT_CALL_CALLBACK_SECRET/);
    expect(() => validate({ ...production, ROBOT_CALL_API_KEY: 'robot-key' })).not.toThrow();
  });

  it('names every bad variable at once', () => {
    const message = failure({ WORKER_PORT: '-1', LOG_LEVEL: 'chatty', SHUTDOWN_TIMEOUT_MS: 'later', SYNC_CRON: '* *' });

    expect(message).toMatch(/^Invalid configuration:/);
    for (const name of ['WORKER_PORT', 'LOG_LEVEL', 'SHUTDOWN_TIMEOUT_MS', 'SYNC_CRON']) {
      expect(message).toMatch(new RegExp(`^\\s+${name}: `, 'm'));
    }
  });
});
