import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Agent as HttpAgent, IncomingMessage, request as httpRequest, RequestOptions } from 'http';
import { Agent as HttpsAgent, request as httpsRequest } from 'https';
import { eventsConfig, EventsSettings } from '../../events.config';

/** How one POST went. */
export interface PostOutcome {
  /** A 2xx answer. */
  ok: boolean;
  /** The answer's HTTP status; null when none came (timeout, refused connection, DNS…). */
  status: number | null;
  /** Why it failed, for the endpoint's health and the delivery row; null when ok. */
  error: string | null;
}

/**
 * Connections kept open per endpoint host: the relay's POST lanes (WebhookDeliverer's CONCURRENCY) each reuse one,
 * so a round opens no connection once the first are up. More lanes than this queue on the agent.
 */
const SOCKETS_PER_HOST = 16;
/** An idle kept-alive connection is closed after this: below the 30 s+ most servers keep one open for. */
const IDLE_MS = 4_000;

/**
 * One HTTP POST of a delivery, with a hard deadline (WEBHOOK_TIMEOUT_MS over the whole exchange). Node's `http`/
 * `https` with a keep-alive agent, neither the gateway's axios stack nor `fetch`: retries here are durable (rows in
 * the database, with backoff across hours and processes), so the client needs no retry or interceptor of its own,
 * only one bounded attempt sending the exact bytes that were signed; and `fetch`'s web streams, abort signals and
 * body cancel cost the relay about as much CPU as everything else it does per delivery (the delivery bench's CPU
 * profile, bench/README.md). Redirects are not followed (`http.request` never does): an allowed host must not send
 * the worker on to one off the allow-list; a 3xx counts as a failure.
 */
@Injectable()
export class WebhookSender implements OnModuleDestroy {
  private readonly agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: SOCKETS_PER_HOST, timeout: IDLE_MS }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: SOCKETS_PER_HOST, timeout: IDLE_MS }),
  };

  constructor(@Inject(eventsConfig.KEY) private readonly settings: EventsSettings) {}

  onModuleDestroy(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  post(url: string, body: string, headers: Record<string, string>): Promise<PostOutcome> {
    const timeoutMs = this.settings.webhookTimeoutMs;
    return new Promise<PostOutcome>((resolve) => {
      let settled = false;
      const settle = (outcome: PostOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve(outcome);
      };
      let target: URL;
      try {
        target = new URL(url);
      } catch (error) {
        settle({ ok: false, status: null, error: describeFailure(error) });
        return;
      }
      const https = target.protocol === 'https:';
      const payload = Buffer.from(body, 'utf8');
      const options: RequestOptions = {
        method: 'POST',
        agent: https ? this.agents.https : this.agents.http,
        headers: {
          ...requestHeaders(headers),
          'Content-Length': String(payload.length),
        },
      };
      const req = (https ? httpsRequest : httpRequest)(target, options, (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        // The answer's body means nothing to us: drained so the connection goes back to the agent for the next POST.
        res.resume();
        res.on('end', () => {
          if (status >= 200 && status < 300) settle({ ok: true, status, error: null });
          else {
            const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
            settle({ ok: false, status, error: `HTTP ${status}${redirect}` });
          }
        });
        res.on('error', (error) => settle({ ok: false, status: null, error: describeFailure(error) }));
      });
      // Over the whole exchange (connect, send, answer), as AbortSignal.timeout was: the socket is destroyed, so a
      // late answer is never read and the connection is not reused.
      const deadline = setTimeout(() => {
        settle({ ok: false, status: null, error: `no answer within ${timeoutMs} ms` });
        req.destroy();
      }, timeoutMs);
      req.on('error', (error) => settle({ ok: false, status: null, error: describeFailure(error) }));
      req.end(payload);
    });
  }
}

/**
 * The headers of a delivery's POST: ours (`Content-Type`, `User-Agent`) and the delivery's (its signatures, ids:
 * WebhookDeliverer). The one place a header every POST carries is added.
 */
export function requestHeaders(delivery: Record<string, string>): Record<string, string> {
  return { 'Content-Type': 'application/json', 'User-Agent': 'ai-visitor-webhooks/1', ...delivery };
}

function describeFailure(error: unknown): string {
  const e = error as { message?: string; code?: string };
  if (e?.code && e.message && !e.message.includes(e.code)) return `request failed: ${e.code}: ${e.message}`;
  return e?.message ? `request failed: ${e.message}` : String(error);
}
