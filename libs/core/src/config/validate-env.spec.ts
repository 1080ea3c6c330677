import 'reflect-metadata';
import { IsInt, Min } from 'class-validator';
import { envValidator, readEnvOrThrow } from './validate-env';
import { Secret } from './secret';

class OneEnv {
  @IsInt()
  @Min(1)
  ONE_SIZE: number = 10;
}

class OtherEnv {
  @Secret({ embeddedDefault: 'public-development-key', minLength: 8 })
  OTHER_KEY?: string;
}

describe('envValidator over several schemas', () => {
  const sut = envValidator(OneEnv, OtherEnv);

  it('converts and defaults each schema’s variables and passes unknown ones through', () => {
    expect(sut({ ONE_SIZE: '3', OTHER_KEY: 'configured-key', PATH: '/bin' })).toEqual({
      ONE_SIZE: 3,
      OTHER_KEY: 'configured-key',
      PATH: '/bin',
    });
  });

  it('names the bad variables of every schema in one message', () => {
    expect(() => sut({ ONE_SIZE: '0', DATABASE_URL: 'mysql://db/x' })).toThrow(
      /^Invalid configuration:\n {2}ONE_SIZE: .*\n {2}OTHER_KEY: OTHER_KEY must be set when DATABASE_URL is set/,
    );
  });

  it('gives a secret its development value with the embedded database only, and never returns that value', () => {
    expect(sut({ DATABASE_URL: '' })).not.toHaveProperty('OTHER_KEY');
    expect(readEnvOrThrow(OtherEnv, {}).OTHER_KEY).toBe('public-development-key');
    expect(() => readEnvOrThrow(OtherEnv, { DATABASE_URL: 'mysql://db/x' })).toThrow(
      /OTHER_KEY must be set when DATABASE_URL is set/,
    );
    expect(() => readEnvOrThrow(OtherEnv, { DATABASE_URL: 'mysql://db/x', OTHER_KEY: 'short' })).toThrow(
      /OTHER_KEY must be at least 8 characters/,
    );
  });
});
