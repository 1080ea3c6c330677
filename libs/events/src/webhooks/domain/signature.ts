import { createHmac, randomBytes } from 'crypto';

/** The headers a delivery carries (docs/webhooks.md, "Verifying a delivery"). */
export const WEBHOOK_HEADERS = {
  eventId: 'X-AIV-Event-Id',
  signature: 'X-AIV-Signature',
} as const;

/** A new signing secret: `whsec_` and 32 random bytes, base64url. Shown once, at registration. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256>` of `"<t>.<raw body>"` keyed with the secret (the whole `whsec_…`
 * string, as UTF-8). The timestamp is signed with the body, so a receiver can refuse replays of old deliveries.
 */
export function signatureHeader(secret: string, unixSeconds: number, rawBody: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}
