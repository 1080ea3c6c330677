import { envValidator } from '@app/core';
import { ApiEnv } from './api-env';

describe('ApiEnv validation', () => {
  const validate = envValidator(ApiEnv);
  const valid = { SERVICE_TOKEN: 'service-token-0123456789', ADMIN_TOKEN: 'admin-token-0123456789' };

  function failure(env: Record<string, unknown>): string {
    try {
      validate({ ...valid, ...env });
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected the configuration to be refused');
  }

  it('takes the defaults when only the tokens are set', () => {
    expect(validate(valid)).toMatchObject({ API_PORT: 3000, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: 25_000 });
  });

  it('converts values from the environment’s strings', () => {
    expect(validate({ ...valid, API_PORT: '8080', LOG_LEVEL: 'silent', SHUTDOWN_TIMEOUT_MS: '5000' })).toMatchObject({
      API_PORT: 8080,
      LOG_LEVEL: 'silent',
      SHUTDOWN_TIMEOUT_MS: 5000,
    });
  });

  it.each([
    ['LOG_LEVEL', 'verbose', /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/],
    ['SHUTDOWN_TIMEOUT_MS', '-1', /SHUTDOWN_TIMEOUT_MS/],
    ['SHUTDOWN_TIMEOUT_MS', 'soon', /SHUTDOWN_TIMEOUT_MS/],
    ['API_PORT', '70000', /API_PORT/],
    ['SERVICE_TOKEN', 'short', /SERVICE_TOKEN must be at least 16 characters/],
    ['ROBOT_CALL_BASE_URL', 'robot.example.com', /ROBOT_CALL_BASE_URL must be an http\(s\) URL/],
  ])('refuses %s=%s, naming the variable', (name, value, message) => {
    expect(failure({ [name]: value })).toMatch(message);
  });

  describe('phone keys', () => {
    const key = (fill: string) => Buffer.alloc(32, fill).toString('base64');
    const mysql = { DATABASE_URL: 'mysql://aiv:secret@db:3306/aiv' };

    it('are optional with the embedded database, required with a DATABASE_URL', () => {
      expect(() => validate(valid)).not.toThrow();
      expect(failure(mysql)).toMatch(/PHONE_HASH_KEY: PHONE_ENCRYPTION_KEYS and PHONE_HASH_KEY must be set when DATABASE_URL is set/);
      expect(() => validate({ ...valid, ...mysql, PHONE_ENCRYPTION_KEYS: `k1:${key('a')}`, PHONE_HASH_KEY: key('h') })).not.toThrow();
    });

    it('refuses a malformed key list or an active id it does not list, without echoing a key', () => {
      const bad = failure({ ...mysql, PHONE_ENCRYPTION_KEYS: `k1:${Buffer.alloc(16, 'a').toString('base64')}`, PHONE_HASH_KEY: key('h') });
      expect(bad).toMatch(/key "k1" must be the base64 of exactly 32 bytes/);
      expect(bad).not.toContain(Buffer.alloc(16, 'a').toString('base64'));
      expect(failure({ ...mysql, PHONE_ENCRYPTION_KEYS: `k1:${key('a')}`, PHONE_ENCRYPTION_KEY_ID: 'k2', PHONE_HASH_KEY: key('h') })).toMatch(
        /PHONE_ENCRYPTION_KEY_ID "k2" is not one of the ids/,
      );
    });
  });

  it('names every bad variable at once, and no good one', () => {
    const message = failure({ LOG_LEVEL: 'loud', SHUTDOWN_TIMEOUT_MS: 'x', API_PORT: '-5', ADMIN_TOKEN: undefined });

    const named = message.split('\n').slice(1).map((line) => line.trim().split(':')[0]);
    expect(named.sort()).toEqual(['ADMIN_TOKEN', 'API_PORT', 'LOG_LEVEL', 'SHUTDOWN_TIMEOUT_MS']);
  });
});
