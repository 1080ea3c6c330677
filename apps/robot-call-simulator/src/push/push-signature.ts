import { createHmac } from 'node:crypto';

/** Header names of a push (contract: "Push: call results by callback"). */
export const PUSH_TIMESTAMP_HEADER = 'X-Robot-Timestamp';
export const PUSH_SIGNATURE_HEADER = 'X-Robot-Signature';

/**
 * `sha256=<lowercase hex HMAC-SHA256>` over `"<timestamp>.<raw body bytes>"` with the shared secret: the
 * value of `X-Robot-Signature`. A string body is taken as its UTF-8 bytes, which is what fetch sends.
 */
export function pushSignature(secret: string, timestamp: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(rawBody).digest('hex')}`;
}
