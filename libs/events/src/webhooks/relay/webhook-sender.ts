import { Inject, Injectable } from '@nestjs/common';
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
 * One HTTP POST of a delivery, with a hard deadline (WEBHOOK_TIMEOUT_MS over the whole exchange). Node's own
 * fetch with `AbortSignal.timeout` rather than the gateway's axios stack: retries here are durable (rows in the
 * database, with backoff across hours and processes), so the client needs no retry or interceptor of its own,
 * only one bounded attempt sending the exact bytes that were signed. Redirects are not followed: an allowed host
 * must not send the worker on to one off the allow-list; a 3xx counts as a failure.
 */
@Injectable()
export class WebhookSender {
  constructor(@Inject(eventsConfig.KEY) private readonly settings: EventsSettings) {}

  async post(url: string, body: string, headers: Record<string, string>): Promise<PostOutcome> {
    const timeoutMs = this.settings.webhookTimeoutMs;
    try {
      const response = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'ai-visitor-webhooks/1', ...headers },
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The answer's body means nothing to us: released at once so the connection can be reused or closed.
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status, error: null };
      const redirect = response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : '';
      return { ok: false, status: response.status, error: `HTTP ${response.status}${redirect}` };
    } catch (error) {
      return { ok: false, status: null, error: describeFailure(error, timeoutMs) };
    }
  }
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e?.message ?? 'request failed'}: ${cause}` : (e?.message ?? String(error));
}
