import { createHmac, timingSafeEqual } from 'crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';
import { Webhook } from 'standardwebhooks';

/** A delivery as the receiver got it. */
export interface ReceivedDelivery {
  eventId: string;
  /** The parsed body (the event). */
  event: {
    id: string;
    type: string;
    firmId: string | null;
    taskId: string | null;
    sequence: number | null;
    data: Record<string, unknown>;
  };
  rawBody: string;
  headers: IncomingMessage['headers'];
  /**
   * Whether the delivery verified with the receiver's secret both ways (false when it has none yet): `X-AIV-Signature`
   * (the Stripe-style scheme, verifySignature) and the Standard Webhooks headers (the `standardwebhooks` library).
   */
  verified: boolean;
  /** Each way on its own. */
  verifiedBy: { aiv: boolean; standard: boolean };
  /** What the receiver did: answered 2xx (`accepted`), 500 (`failed`), or never answered (`hung`). */
  answer: 'accepted' | 'failed' | 'hung';
}

export interface WebhookReceiverOptions {
  /** Share of requests answered 500. */
  failRate?: number;
  /** Share of requests never answered (the relay's WEBHOOK_TIMEOUT_MS cuts them off). */
  timeoutRate?: number;
  /** Requests for which this says true are answered 500 whatever the rates (e.g. one task's events). */
  failWhen?: (event: ReceivedDelivery['event']) => boolean;
  /**
   * The receiver's clock (ms since the epoch; default Date.now) for the Standard Webhooks timestamp check (5
   * minutes either way): a suite that shifts the service's clock gives its shifted clock here.
   */
  now?: () => number;
  /** Deterministic rolls for the rates (default Math.random). */
  random?: () => number;
  /**
   * A slow receiver: how long to wait before answering (2xx or 500), for every request or per event (default 0,
   * at once); the relay may give up first (its WEBHOOK_TIMEOUT_MS) and close the request.
   */
  delayMs?: number | ((event: ReceivedDelivery['event']) => number);
}

export interface WebhookReceiver {
  url: string;
  /** Every request, in arrival order. */
  requests: ReceivedDelivery[];
  /** The requests answered 2xx, in arrival order. */
  accepted(): ReceivedDelivery[];
  /** The signing secret to verify with (set it from the registration's answer). */
  secret: string | null;
  options: WebhookReceiverOptions;
  close(): Promise<void>;
}

/**
 * Checks `t=<unix>,v1=<hex>[,v1=<hex>]` as docs/webhooks.md tells receivers to: HMAC-SHA256(secret, "<t>.<raw body>"),
 * compared in constant time with each `v1` (two during a secret's rotation).
 */
export function verifySignature(secret: string, header: string | undefined, rawBody: string): boolean {
  if (!header) return false;
  const entries = header.split(',').map((kv) => kv.split('=', 2) as [string, string]);
  const t = entries.find(([k]) => k === 't')?.[1];
  const given = entries.filter(([k, v]) => k === 'v1' && v).map(([, v]) => Buffer.from(v, 'hex'));
  if (!t || given.length === 0) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`, 'utf8').digest();
  return given.some((g) => g.length === expected.length && timingSafeEqual(g, expected));
}

/**
 * Verifies the Standard Webhooks headers with the `standardwebhooks` library, as a receiver on a stock verifier
 * would: `secret` in the specification's form (`whsec_` and base64; the library refuses anything else, and so does
 * this). `nowMs`: the receiver's clock, for the library's 5-minute timestamp check (it reads Date.now, so it is
 * set for this synchronous call only).
 */
export function verifyStandard(
  secret: string,
  headers: IncomingMessage['headers'],
  rawBody: string,
  nowMs = Date.now(),
): boolean {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  const realNow = Date.now;
  Date.now = () => nowMs;
  try {
    new Webhook(secret).verify(rawBody, flat);
    return true;
  } catch {
    return false;
  } finally {
    Date.now = realNow;
  }
}

/**
 * A real HTTP endpoint on 127.0.0.1 for the webhook suites: records every delivery, verifies its signatures, and
 * fails (500) or hangs (no answer: the relay times out) a share of them as told.
 */
export async function startWebhookReceiver(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const requests: ReceivedDelivery[] = [];
  const hanging = new Set<ServerResponse>();
  const receiver: WebhookReceiver = {
    url: '',
    requests,
    accepted: () => requests.filter((r) => r.answer === 'accepted'),
    secret: null,
    options,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const event = JSON.parse(rawBody) as ReceivedDelivery['event'];
      const secret = receiver.secret;
      const verifiedBy = {
        aiv: secret !== null && verifySignature(secret, req.headers['x-aiv-signature'] as string | undefined, rawBody),
        standard: secret !== null && verifyStandard(secret, req.headers, rawBody, (receiver.options.now ?? Date.now)()),
      };
      const verified = verifiedBy.aiv && verifiedBy.standard;
      const roll = (receiver.options.random ?? Math.random)();
      const timeoutRate = receiver.options.timeoutRate ?? 0;
      const failRate = receiver.options.failRate ?? 0;
      const answer: ReceivedDelivery['answer'] = receiver.options.failWhen?.(event)
        ? 'failed'
        : roll < timeoutRate
          ? 'hung'
          : roll < timeoutRate + failRate
            ? 'failed'
            : 'accepted';
      requests.push({
        eventId: String(req.headers['x-aiv-event-id']),
        event,
        rawBody,
        headers: req.headers,
        verified,
        verifiedBy,
        answer,
      });
      if (answer === 'hung') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      const respond = () => {
        if (!res.writableEnded && !res.destroyed)
          res
            .writeHead(answer === 'accepted' ? 200 : 500, { 'Content-Type': 'text/plain' })
            .end(answer === 'accepted' ? 'ok' : 'boom');
      };
      const option = receiver.options.delayMs;
      const delay = typeof option === 'function' ? option(event) : (option ?? 0);
      if (delay <= 0) return respond();
      // Slow, not hung: the answer comes after the delay (unless the relay gave up first and closed the request).
      hanging.add(res);
      const timer = setTimeout(() => {
        hanging.delete(res);
        respond();
      }, delay);
      res.on('close', () => {
        clearTimeout(timer);
        hanging.delete(res);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}
