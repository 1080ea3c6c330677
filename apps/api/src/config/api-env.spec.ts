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

  it('names every bad variable at once, and no good one', () => {
    const message = failure({ LOG_LEVEL: 'loud', SHUTDOWN_TIMEOUT_MS: 'x', API_PORT: '-5', ADMIN_TOKEN: undefined });

    const named = message.split('\n').slice(1).map((line) => line.trim().split(':')[0]);
    expect(named.sort()).toEqual(['ADMIN_TOKEN', 'API_PORT', 'LOG_LEVEL', 'SHUTDOWN_TIMEOUT_MS']);
  });
});
