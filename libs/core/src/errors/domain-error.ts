/**
 * What kind of refusal an error is. The API's exception filter maps kinds to HTTP statuses, so the libs
 * never depend on HTTP while the platform still gets a stable status and code.
 */
export enum ErrorKind {
  Invalid = 'invalid',
  Unauthenticated = 'unauthenticated',
  Forbidden = 'forbidden',
  NotFound = 'not_found',
  Conflict = 'conflict',
  UpstreamUnavailable = 'upstream_unavailable',
  UpstreamTimeout = 'upstream_timeout',
  Unavailable = 'unavailable',
}

/** Base of every error a use case may raise on purpose; `code` is part of the public contract. */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly kind: ErrorKind;

  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
