import { envValidator, readEnvOrThrow } from '@app/core';
import { campaignGatewayConfig } from '@app/campaign-gateway';
import { ApiEnv } from './api-env';
import { API_NAMESPACES } from './api-namespaces';

describe('API configuration validation', () => {
  const validate = envValidator(...API_NAMESPACES.map((namespace) => namespace.schema));
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
    const mysql = {
      DATABASE_URL: 'mysql://aiv:secret@db:3306/aiv',
      ROBOT_CALL_API_KEY: 'robot-key',
      ROBOT_CALL_CALLBACK_SECRET: 'callback-secret-0123',
    };

    it('are optional with the embedded database, required with a DATABASE_URL', () => {
      expect(() => validate(valid)).not.toThrow();
      expect(failure(mysql)).toMatch(
        /PHONE_HASH_KEY: PHONE_ENCRYPTION_KEYS and PHONE_HASH_KEY must be set when DATABASE_URL is set/,
      );
      expect(() =>
        validate({ ...valid, ...mysql, PHONE_ENCRYPTION_KEYS: `k1:${key('a')}`, PHONE_HASH_KEY: key('h') }),
      ).not.toThrow();
    });

    it('refuses a malformed key list or an active id it does not list, without echoing a key', () => {
      const bad = failure({
        ...mysql,
        PHONE_ENCRYPTION_KEYS: `k1:${Buffer.alloc(16, 'a').toString('base64')}`,
        PHONE_HASH_KEY: key('h'),
      });
      expect(bad).toMatch(/key "k1" must be the base64 of exactly 32 bytes/);
      expect(bad).not.toContain(Buffer.alloc(16, 'a').toString('base64'));
      expect(
        failure({
          ...mysql,
          PHONE_ENCRYPTION_KEYS: `k1:${key('a')}`,
          PHONE_ENCRYPTION_KEY_ID: 'k2',
          PHONE_HASH_KEY: key('h'),
        }),
      ).toMatch(/PHONE_ENCRYPTION_KEY_ID "k2" is not one of the ids/);
    });
  });

  describe('secrets of the robot-call platform', () => {
    const production = {
      DATABASE_URL: 'mysql://aiv:secret@db:3306/aiv',
      PHONE_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 'a').toString('base64')}`,
      PHONE_HASH_KEY: Buffer.alloc(32, 'h').toString('base64'),
    };
    const secrets = { ROBOT_CALL_API_KEY: 'robot-key', ROBOT_CALL_CALLBACK_SECRET: 'callback-secret-0123' };

    it('are required with a DATABASE_URL, each named', () => {
      const message = failure(production);

      expect(message).toMatch(/^\s+ROBOT_CALL_API_KEY: ROBOT_CALL_API_KEY must be set when DATABASE_URL is set/m);
      expect(message).toMatch(
        /^\s+ROBOT_CALL_CALLBACK_SECRET: ROBOT_CALL_CALLBACK_SECRET must be set when DATABASE_URL is set/m,
      );
      expect(failure({ ...production, ...secrets, ROBOT_CALL_CALLBACK_SECRET: '' })).toMatch(
        /ROBOT_CALL_CALLBACK_SECRET must be set when DATABASE_URL is set/,
      );
      expect(failure({ ...production, ...secrets, ROBOT_CALL_CALLBACK_SECRET: 'short' })).toMatch(
        /ROBOT_CALL_CALLBACK_SECRET must be at least 16 characters/,
      );
    });

    it('are accepted when set with a DATABASE_URL', () => {
      expect(validate({ ...valid, ...production, ...secrets })).toMatchObject(secrets);
    });

    it('take the development values with the embedded database, without writing them back into the environment', () => {
      const validated = validate({ ...valid, DATABASE_URL: '' });

      expect(validated).not.toHaveProperty('ROBOT_CALL_API_KEY');
      expect(validated).not.toHaveProperty('ROBOT_CALL_CALLBACK_SECRET');
      expect(readEnvOrThrow(ApiEnv, valid).ROBOT_CALL_CALLBACK_SECRET).toBe('dev-callback-secret');
      expect(readEnvOrThrow(campaignGatewayConfig.schema, {}).ROBOT_CALL_API_KEY).toBe('dev-robot-key');
      expect(
        readEnvOrThrow(ApiEnv, { ...valid, ROBOT_CALL_CALLBACK_SECRET: 'own-secret-0123456' })
          .ROBOT_CALL_CALLBACK_SECRET,
      ).toBe('own-secret-0123456');
    });
  });

  it('names every bad variable at once, and no good one', () => {
    const message = failure({ LOG_LEVEL: 'loud', SHUTDOWN_TIMEOUT_MS: 'x', API_PORT: '-5', ADMIN_TOKEN: undefined });

    const named = message
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(':')[0]);
    expect(named.sort()).toEqual(['ADMIN_TOKEN', 'API_PORT', 'LOG_LEVEL', 'SHUTDOWN_TIMEOUT_MS']);
  });
});
