import { EventType } from '../../domain/event-types';

/** An endpoint as operations and its firm see it: what it receives and how its deliveries go. Never its secret. */
export interface WebhookView {
  id: string;
  /** The firm whose events it receives; null: every firm's. */
  firmId: string | null;
  url: string;
  /** The event types it receives; null: every type. */
  eventTypes: EventType[] | null;
  /** Whether it receives full phone numbers (else masked, as the feed shows them). */
  fullPhones: boolean;
  enabled: boolean;
  /** Why it was disabled (by operations, or after failing for WEBHOOK_DISABLE_AFTER_HOURS); null when enabled. */
  disabledReason: string | null;
  /** Since when every attempt failed; null after any success. */
  failingSince: string | null;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  lastError: string | null;
  /** Deliveries still to make (waiting, retrying, or held behind an earlier event of their task). */
  pendingDeliveries: number;
  /**
   * After a secret rotation, until when deliveries are signed with the previous secret as well (a past time: the
   * overlap is over); null when the secret was never rotated.
   */
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** An endpoint just registered, or its secret just rotated: the view, with its (new) signing secret, shown this once. */
export interface RegisteredWebhook extends WebhookView {
  secret: string;
}
