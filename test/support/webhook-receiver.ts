import { createHmac, timingSafeEqual } from 'crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';

/** A delivery as the receiver got it. */
export interface ReceivedDelivery {
  eventId: string;
  /** The parsed body (the event). */
  event: { id: string; type: string; firmId: string | null; taskId: string | null; sequence: number | null; data: Record<string, unknown> };
  rawBody: string;
  headers: IncomingMessage['headers'];
  /** Whether `X-AIV-Signature` verified with the receiver's secret (false when it has none yet). */
  verified: boolean;
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

/** Checks `t=<unix>,v1=<hex>` as docs/webhooks.md tells receivers to: HMAC-SHA256(secret, "<t>.<raw body>"), compared in constant time. */
export function verifySignature(secret: string, header: string | undefined, rawBody: string): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  if (!parts.t || !parts.v1) return false;
  const expected = createHmac('sha256', secret).update(`${parts.t}.${rawBody}`, 'utf8').digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A real HTTP endpoint on 127.0.0.1 for the webhook suites: records every delivery, verifies its signature, and
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
      const verified = receiver.secret !== null && verifySignature(receiver.secret, req.headers['x-aiv-signature'] as string | undefined, rawBody);
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
      requests.push({ eventId: String(req.headers['x-aiv-event-id']), event, rawBody, headers: req.headers, verified, answer });
      if (answer === 'hung') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      const respond = () => {
        if (!res.writableEnded && !res.destroyed) res.writeHead(answer === 'accepted' ? 200 : 500, { 'Content-Type': 'text/plain' }).end(answer === 'accepted' ? 'ok' : 'boom');
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
