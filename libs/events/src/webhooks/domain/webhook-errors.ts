import { DomainError, ErrorKind } from '@app/core';
import { WebhookUrlRefusal } from './webhook-url';

/** `WEBHOOK_URL_NOT_ALLOWED`: not http(s), credentials in it, or a host off WEBHOOK_ALLOWED_HOSTS. Nothing is written. */
export class WebhookUrlNotAllowedError extends DomainError {
  readonly code = 'WEBHOOK_URL_NOT_ALLOWED';
  readonly kind = ErrorKind.Invalid;
  constructor(reason: WebhookUrlRefusal, message: string) {
    super(message, { reason });
  }
}

/** `WEBHOOK_NOT_FOUND`: no endpoint with this id. */
export class WebhookNotFoundError extends DomainError {
  readonly code = 'WEBHOOK_NOT_FOUND';
  readonly kind = ErrorKind.NotFound;
  constructor(id: string) {
    super(`Webhook ${id} does not exist`);
  }
}

/**
 * `WEBHOOK_SECRET_ROTATING`: the endpoint's previous secret still signs deliveries (a rotation's overlap). Rotating
 * again would drop a secret receivers may still hold, or one they just switched to; the overlap ends at
 * `details.previousSecretExpiresAt`.
 */
export class WebhookSecretRotatingError extends DomainError {
  readonly code = 'WEBHOOK_SECRET_ROTATING';
  readonly kind = ErrorKind.Conflict;
  constructor(id: string, previousSecretExpiresAt: Date) {
    super(
      `Webhook ${id} is still in the overlap of its last secret rotation, until ${previousSecretExpiresAt.toISOString()}`,
      {
        previousSecretExpiresAt: previousSecretExpiresAt.toISOString(),
      },
    );
  }
}

/** `VALIDATION_FAILED` for a redelivery that names neither a time range nor events, or a range that ends before it starts. */
export class InvalidRedeliveryError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  readonly kind = ErrorKind.Invalid;
}
