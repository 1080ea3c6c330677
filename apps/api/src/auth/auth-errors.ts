import { DomainError, ErrorKind } from '@app/core';

export class UnauthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED';
  readonly kind = ErrorKind.Unauthenticated;
}

export class MissingCallerError extends DomainError {
  readonly code = 'CALLER_HEADERS_INVALID';
  readonly kind = ErrorKind.Invalid;
}
