import { createHmac, timingSafeEqual } from 'crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';

/** One delivery the receiver accepted (first arrival of an event id). */
export interface Arrival {
  id: string;
  type: string;
  taskId: string | null;
  sequence: number | null;
  /** Date.now() when the body was complete (this machine's clock). */
  at: number;
  /** The event's createdAt (ISO): when the change that wrote it was made. */
  createdAt: string;
  data: Record<string, unknown>;
}

export interface ReceiverCounts {
  /** POSTs received, duplicates and refused ones included. */
  posts: number;
  /** Distinct event ids accepted. */
  unique: number;
  /** POSTs of an event id already accepted (delivery is at least once). */
  duplicates: number;
  /** POSTs whose X-AIV-Signature did not verify (answered 401). */
  badSignature: number;
  /** Accepted events whose task sequence was lower than one already accepted for that task (per-task order broken). */
  outOfOrder: number;
}

/**
 * A webhook endpoint on 127.0.0.1 as a platform would run one (docs/webhooks.md, "Verifying a delivery"): checks
 * X-AIV-Signature against the raw body with the secret registration returned (constant-time compare, ±300 s),
 * answers 200 at once, deduplicates on the event id, and records each first arrival with its time.
 */
export class WebhookReceiver {
  private server: Server | undefined;
  private secret = '';
  private readonly seen = new Set<string>();
  private readonly lastSequence = new Map<string, number>();
  readonly arrivals: Arrival[] = [];
  counts: ReceiverCounts = { posts: 0, unique: 0, duplicates: 0, badSignature: 0, outOfOrder: 0 };
  /** Date.now() of the latest first arrival. */
  lastAt = 0;
  /** Called after each first arrival (e.g. to resolve a wait). */
  onArrival: ((a: Arrival) => void) | undefined;

  /** `keepArrivals` false: count only (a 100,000-event run need not hold every body). */
  constructor(private readonly keepArrivals = true) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/aiv-events`;
  }

  /** The endpoint's signing secret (shown once, at registration). */
  setSecret(secret: string): void {
    this.secret = secret;
  }

  reset(): void {
    this.seen.clear();
    this.lastSequence.clear();
    this.arrivals.length = 0;
    this.lastAt = 0;
    this.counts = { posts: 0, unique: 0, duplicates: 0, badSignature: 0, outOfOrder: 0 };
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      this.counts.posts++;
      const raw = Buffer.concat(chunks);
      if (!this.verify(String(req.headers['x-aiv-signature'] ?? ''), raw)) {
        this.counts.badSignature++;
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200).end();
      let event: {
        id: string;
        type: string;
        createdAt: string;
        taskId: string | null;
        sequence: number | null;
        data: Record<string, unknown>;
      };
      try {
        event = JSON.parse(raw.toString('utf8')) as typeof event;
      } catch {
        this.counts.badSignature++;
        return;
      }
      if (this.seen.has(event.id)) {
        this.counts.duplicates++;
        return;
      }
      this.seen.add(event.id);
      this.counts.unique++;
      if (event.taskId !== null && event.sequence !== null) {
        const last = this.lastSequence.get(event.taskId) ?? -1;
        if (event.sequence < last) this.counts.outOfOrder++;
        else this.lastSequence.set(event.taskId, event.sequence);
      }
      this.lastAt = at;
      if (!this.keepArrivals && !this.onArrival) return;
      const arrival: Arrival = {
        id: event.id,
        type: event.type,
        taskId: event.taskId,
        sequence: event.sequence,
        at,
        createdAt: event.createdAt,
        data: event.data,
      };
      if (this.keepArrivals) this.arrivals.push(arrival);
      this.onArrival?.(arrival);
    });
  }

  private verify(header: string, raw: Buffer): boolean {
    const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
    const t = Number(parts.t);
    if (!this.secret || !Number.isInteger(t) || !parts.v1) return false;
    if (Math.abs(Date.now() / 1000 - t) > 300) return false;
    const expected = createHmac('sha256', this.secret).update(`${t}.`).update(raw).digest();
    const given = Buffer.from(parts.v1, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
