import { Validate, ValidationArguments, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';

const EMBEDDED_DEFAULTS = new WeakMap<object, Map<string, string>>();

@ValidatorConstraint({ name: 'secret' })
class SecretIsUsable implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    const [minLength] = args.constraints as [number];
    return typeof value === 'string' && value.length >= minLength;
  }

  defaultMessage(args: ValidationArguments): string {
    const [minLength] = args.constraints as [number];
    return args.value === undefined || args.value === ''
      ? `${args.property} must be set when DATABASE_URL is set (only the embedded database has a development value)`
      : `${args.property} must be at least ${minLength} characters`;
  }
}

/**
 * A secret of an env schema. With the embedded database (no DATABASE_URL: a first run, the demo, the tests) it
 * may stay unset and takes `embeddedDefault`, a value published in this repository; with a DATABASE_URL it is
 * required, so that a production deployment left unconfigured refuses to start rather than run on a public
 * secret. Same rule as the phone keys (`phoneKeysFromEnv`).
 */
export function Secret(options: { embeddedDefault: string; minLength: number }): PropertyDecorator {
  return (target, property) => {
    const schema = target.constructor;
    const defaults = EMBEDDED_DEFAULTS.get(schema) ?? new Map<string, string>();
    defaults.set(String(property), options.embeddedDefault);
    EMBEDDED_DEFAULTS.set(schema, defaults);
    Validate(SecretIsUsable, [options.minLength])(target, property);
  };
}

/** The secrets of `schema` (and of the schemas it extends) with their embedded-database values. */
export function embeddedDefaults(schema: object): Map<string, string> {
  const all = new Map<string, string>();
  for (
    let current: object | null = schema;
    current && current !== Function.prototype;
    current = Object.getPrototypeOf(current) as object | null
  ) {
    for (const [name, value] of EMBEDDED_DEFAULTS.get(current) ?? []) if (!all.has(name)) all.set(name, value);
  }
  return all;
}
