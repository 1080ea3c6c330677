import { DomainError, ErrorKind } from '@app/core';

export class InvalidIdError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  readonly kind = ErrorKind.Invalid;
  constructor(field: string, value: string) {
    super(`${field} must be a positive integer id`, [{ field, value: value.slice(0, 32) }]);
  }
}
