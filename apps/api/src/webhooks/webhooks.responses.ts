import { ApiProperty } from '@nestjs/swagger';
import { EVENT_TYPES, EventType, RedeliveryResult, RegisteredWebhook, WebhookView } from '@app/events';

/** The webhook routes' answers, for the OpenAPI document (mirroring the events lib's views). */

export class WebhookResponse implements WebhookView {
  @ApiProperty({ example: '3' })
  id: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "The firm whose events it receives; null: every firm's",
    example: '1',
  })
  firmId: string | null;

  @ApiProperty({ example: 'https://hooks.platform.example.com/ai-visitor' })
  url: string;

  @ApiProperty({
    type: [String],
    enum: EVENT_TYPES,
    nullable: true,
    description: 'The types it receives; null: every type',
    example: ['contact.called', 'task.completed'],
  })
  eventTypes: EventType[] | null;

  @ApiProperty({ description: 'Full phone numbers (else masked)', example: false })
  fullPhones: boolean;

  @ApiProperty({ example: true })
  enabled: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Why it is disabled: `disabled by operations`, or `failing for 24 h without a success`; null when enabled',
    example: null,
  })
  disabledReason: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Since when every attempt failed; null after any success',
    example: null,
  })
  failingSince: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-12-01T08:00:01.250Z' })
  lastSuccessAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-12-01T07:59:58.000Z' })
  lastFailureAt: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The last failed attempt: `HTTP 503`, `no answer within 10000 ms`, …',
    example: 'HTTP 503',
  })
  lastError: string | null;

  @ApiProperty({
    description: 'Deliveries still to make (due, retrying, or held behind an earlier event of their task)',
    example: 0,
  })
  pendingDeliveries: number;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'After a secret rotation, until when deliveries are signed with the previous secret too (a past time: the overlap is over); null: never rotated',
    example: null,
  })
  previousSecretExpiresAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-30T10:00:00.000Z' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-30T10:00:00.000Z' })
  updatedAt: string;
}

export class RegisteredWebhookResponse extends WebhookResponse implements RegisteredWebhook {
  @ApiProperty({
    description:
      'The signing secret, `whsec_` and 32 bytes in base64 (the Standard Webhooks form), shown this once (store it): deliveries carry ' +
      'the Standard Webhooks headers `webhook-id`, `webhook-timestamp`, `webhook-signature` (verify with any `standardwebhooks` library) ' +
      'and `X-AIV-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw9WrTd+DQAV4=',
  })
  secret: string;
}

export class RedeliveryResponse implements RedeliveryResult {
  @ApiProperty({
    description:
      "Deliveries put back to pending (or created), among the events the endpoint receives (its firm's, its types)",
    example: 12,
  })
  scheduled: number;
}
