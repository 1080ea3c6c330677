import { DomainError, ErrorKind } from '@app/core';

export class InvalidIdError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  readonly kind = ErrorKind.Invalid;
  // `[{ field, errors[] }]`, the one shape of VALIDATION_FAILED's details (the value itself is not echoed).
  constructor(field: string) {
    super(`${field} must be a positive integer id`, [{ field, errors: [`${field} must be a positive integer id`] }]);
  }
}

/** The id syntax of the platform's firms, accounts and tasks: a positive integer of up to 19 digits. */
export const ID_PATTERN = /^[1-9]\d{0,18}$/;

/** The id syntax in the OpenAPI document: every path parameter is one (ID_PATTERN, written for any engine). */
export const ID_PARAM_SCHEMA = { type: 'string', pattern: '^[1-9][0-9]{0,18}$' } as const;

/** A path id, checked: refused with VALIDATION_FAILED before it reaches a query. */
export function idParam(field: string, value: string): string {
  if (!ID_PATTERN.test(value)) throw new InvalidIdError(field);
  return value;
}
