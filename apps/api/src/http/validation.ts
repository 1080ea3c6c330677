import { ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError, ErrorKind } from '@app/core';

export class RequestValidationError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  readonly kind = ErrorKind.Invalid;
}

interface FieldError {
  field: string;
  errors: string[];
}

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, errors: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Bodies and queries are whitelisted, converted and validated; a refusal lists every bad field (max 50). */
export function buildValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) => {
      const details = flatten(errors).slice(0, 50);
      return new RequestValidationError('The request is invalid', details);
    },
  });
}
