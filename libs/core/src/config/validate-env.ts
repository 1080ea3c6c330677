import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';

/**
 * Builds a `validate` function for @nestjs/config from a class-validator schema: unknown variables pass
 * through, known ones are converted and checked, and a bad value stops the process with a message naming
 * every offending variable.
 */
export function envValidator<T extends object>(schema: new () => T): (env: Record<string, unknown>) => T {
  return (env) => {
    const config = plainToInstance(schema, env, { enableImplicitConversion: true, exposeDefaultValues: true });
    const errors = validateSync(config, { skipMissingProperties: false, whitelist: false });
    if (errors.length > 0) throw new Error(`Invalid configuration:\n${errors.map(describe).join('\n')}`);
    return config;
  };
}

function describe(error: ValidationError): string {
  const reasons = Object.values(error.constraints ?? {}).join('; ');
  return `  ${error.property}: ${reasons}`;
}
