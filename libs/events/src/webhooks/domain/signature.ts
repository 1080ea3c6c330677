import { createHmac, createSecretKey, randomBytes } from 'crypto';

/**
 * The headers a delivery carries (docs/webhooks.md, "Verifying a delivery"): our own (`X-AIV-…`, a Stripe-style
 * signature receivers already check) and the Standard Webhooks ones (https://www.standardwebhooks.com), which
 * stock verifiers in every major language check (`standardwebhooks`, `svix`).
 */
export const WEBHOOK_HEADERS = {
  eventId: 'X-AIV-Event-Id',
  signature: 'X-AIV-Signature',
  standardId: 'webhook-id',
  standardTimestamp: 'webhook-timestamp',
  standardSignature: 'webhook-signature',
} as const;

const SECRET_PREFIX = 'whsec_';
/** The part after `whsec_`: base64 (the specification's form) or base64url (the form secrets were issued in before). */
const SECRET_BODY = /^(?:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+)$/;

/**
 * A new signing secret: `whsec_` and 32 random bytes, base64 (the Standard Webhooks form, which its libraries
 * take as it is). Shown once, at registration or rotation.
 */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/**
 * The key bytes a secret signs Standard Webhooks signatures with: what follows `whsec_`, decoded. Secrets issued
 * before were base64url; their bytes decode the same, so an existing endpoint keeps its key (its receiver writes
 * the secret in the specification's form: standardSecretOf). A stored value of neither form is refused rather than
 * signing with bytes no receiver holds.
 */
export function signingKeyOf(secret: string): Buffer {
  const body = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : '';
  if (!SECRET_BODY.test(body)) throw new Error('a webhook secret is whsec_ and base64');
  // Node's base64 decoder takes the URL-safe alphabet too, and padding or none.
  return Buffer.from(body, 'base64');
}

/** The secret as the Standard Webhooks libraries take it: `whsec_` and its key bytes in base64 (unchanged for a new secret). */
export function standardSecretOf(secret: string): string {
  return `${SECRET_PREFIX}${signingKeyOf(secret).toString('base64')}`;
}

/**
 * Every header a delivery's authenticity rests on, signed with each of `secrets` (the current one first; during a
 * rotation's overlap the previous one too, so a receiver holding either verifies):
 *  - `X-AIV-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]`: HMAC-SHA256 of `"<t>.<raw body>"` keyed with the
 *    whole `whsec_…` string as UTF-8 (unchanged for the receivers that check it; several `v1` as Stripe sends them);
 *  - `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>[ v1,<base64>]`: HMAC-SHA256 of
 *    `"<id>.<timestamp>.<raw body>"` keyed with the secret's key bytes (signingKeyOf), space-separated, as the
 *    Standard Webhooks specification defines them. The id is the event's: the same on every retry and redelivery,
 *    what a receiver deduplicates on.
 * The timestamp is signed with the body in both, so a receiver can refuse replays of old deliveries.
 */
export function deliveryHeaders(
  secrets: readonly string[],
  eventId: string,
  unixSeconds: number,
  rawBody: string,
): Record<string, string> {
  return deliverySigner(secrets)(eventId, unixSeconds, rawBody);
}

/** Signs deliveries as deliveryHeaders does, with keys prepared once. */
export type DeliverySigner = (eventId: string, unixSeconds: number, rawBody: string) => Record<string, string>;

/**
 * deliveryHeaders for many deliveries with the same secrets: each secret's two keys are made once (a key object
 * for the whole secret string, one for its key bytes) rather than decoded and imported for every delivery.
 */
export function deliverySigner(secrets: readonly string[]): DeliverySigner {
  if (secrets.length === 0) throw new Error('a delivery is signed with at least one secret');
  const keys = secrets.map((secret) => ({
    aiv: createSecretKey(Buffer.from(secret, 'utf8')),
    standard: createSecretKey(signingKeyOf(secret)),
  }));
  return (eventId, unixSeconds, rawBody) => {
    const aiv = keys.map(
      (k) => `v1=${createHmac('sha256', k.aiv).update(`${unixSeconds}.${rawBody}`, 'utf8').digest('hex')}`,
    );
    const standard = keys.map(
      (k) =>
        `v1,${createHmac('sha256', k.standard).update(`${eventId}.${unixSeconds}.${rawBody}`, 'utf8').digest('base64')}`,
    );
    return {
      [WEBHOOK_HEADERS.eventId]: eventId,
      [WEBHOOK_HEADERS.signature]: [`t=${unixSeconds}`, ...aiv].join(','),
      [WEBHOOK_HEADERS.standardId]: eventId,
      [WEBHOOK_HEADERS.standardTimestamp]: String(unixSeconds),
      [WEBHOOK_HEADERS.standardSignature]: standard.join(' '),
    };
  };
}
