import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, ValidationError } from 'class-validator';
import { embeddedDefaults } from './secret';

export type EnvSchema<T extends object = object> = new () => T;

/** What one schema makes of the environment: its variables converted and defaulted, and what is wrong with them. */
export interface EnvReading<T extends object> {
  env: T;
  errors: ValidationError[];
  /** Secrets that took their public development value (embedded database only): see {@link Secret}. */
  embeddedDefaults: string[];
}

/**
 * Converts and checks the variables one schema declares (unknown ones pass through untouched), applying the
 * schema's defaults. Throws nothing: {@link envValidator} and {@link readEnvOrThrow} decide.
 */
export function readEnv<T extends object>(schema: EnvSchema<T>, raw: Record<string, unknown>): EnvReading<T> {
  const env = plainToInstance(schema, raw, { enableImplicitConversion: true, exposeDefaultValues: true });
  const applied: string[] = [];
  const record = env as Record<string, unknown>;
  if (isUnset(record.DATABASE_URL)) {
    for (const [name, value] of embeddedDefaults(schema)) {
      if (isUnset(record[name])) {
        record[name] = value;
        applied.push(name);
      }
    }
  }
  return {
    env,
    errors: validateSync(env, { skipMissingProperties: false, whitelist: false }),
    embeddedDefaults: applied,
  };
}

/** {@link readEnv}, throwing the boot-time message when a variable is wrong. */
export function readEnvOrThrow<T extends object>(schema: EnvSchema<T>, raw: Record<string, unknown>): T {
  const reading = readEnv(schema, raw);
  if (reading.errors.length > 0) throw invalidConfiguration(reading.errors);
  return reading.env;
}

/**
 * Builds a `validate` function for @nestjs/config from the schemas of every namespace an app loads: unknown
 * variables pass through, known ones are converted and checked, and a bad value stops the process with one
 * message naming every offending variable, whichever schema declares it.
 *
 * The public development values of secrets are left out of the result: @nestjs/config copies the result into
 * `process.env`, and a later boot in the same process (or a child process inheriting it) must not take them
 * for configured values.
 */
export function envValidator(...schemas: EnvSchema[]): (env: Record<string, unknown>) => Record<string, unknown> {
  return (raw) => {
    const errors: ValidationError[] = [];
    const validated: Record<string, unknown> = { ...raw };
    for (const schema of new Set(schemas)) {
      const reading = readEnv(schema, raw);
      errors.push(...reading.errors);
      for (const name of declaredVariables(schema)) {
        if (!reading.embeddedDefaults.includes(name)) validated[name] = (reading.env as Record<string, unknown>)[name];
      }
    }
    if (errors.length > 0) throw invalidConfiguration(errors);
    return validated;
  };
}

export function isUnset(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function declaredVariables(schema: EnvSchema): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(schema, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))];
}

function invalidConfiguration(errors: ValidationError[]): Error {
  return new Error(`Invalid configuration:\n${errors.map(describe).join('\n')}`);
}

function describe(error: ValidationError): string {
  const reasons = Object.values(error.constraints ?? {}).join('; ');
  return `  ${error.property}: ${reasons}`;
}
