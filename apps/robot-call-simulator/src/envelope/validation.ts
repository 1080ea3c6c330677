import { ValidationError, ValidationPipe } from '@nestjs/common';
import { RefusalCode, SimulatorRefusal } from './envelope';

const MAX_LISTED = 5;

/** DTO validation answering 40000 with the offending paths (never the values: they may be phone numbers). */
export function buildValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const messages = flatten(errors);
      const more = messages.length > MAX_LISTED ? ` (and ${messages.length - MAX_LISTED} more)` : '';
      return new SimulatorRefusal(RefusalCode.InvalidParameters, messages.slice(0, MAX_LISTED).join('; ') + more);
    },
  });
}

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => message.replace(error.property, path));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}
