import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Clock } from '@app/core';
import { signedPushHeaders } from '../harness';

/**
 * What the network does to the platform's pushes on their way to the service (issue 20, item 7): the simulator
 * pushes to this proxy, which forwards to the service's callback, or not:
 *  - `lose`: a share of pushes is answered 200 to the platform and never forwarded (lost on the way: the records
 *    reach the service only by polling);
 *  - `hold`: a share is answered 200 and kept back; `release()` forwards them later (late), in the order asked
 *    (reversed: out of order);
 *  - `repeat`: a share is forwarded at once and kept to be forwarded again by `release()` (repeated, late).
 * A push forwarded late is signed again with the time it is forwarded (as the platform signs each retry), so
 * the service's replay window refuses none of them. Rolls come from a seeded generator (reproducible sequences;
 * timings are real). Test-only, nothing of it ships.
 */
export interface PushFaults {
  lose: number;
  hold: number;
  repeat: number;
  seed: number;
}

export interface PushProxy {
  readonly url: string;
  /** The service's callback URL, set once the API listens. */
  target: string;
  faults: PushFaults | null;
  readonly counts: {
    received: number;
    forwarded: number;
    lost: number;
    held: number;
    repeated: number;
    released: number;
  };
  /** Pushes held back or kept for a repeat, not forwarded yet. */
  pending(): number;
  /**
   * The pushes forwarded as they came (not the late ones) and answered since the last call: when each was sent (`performance.now()`), how
   * long the service took to answer it (ms) and its status (0: no answer, the connection broke). `pushAnswered` checks them.
   */
  takeAnswers(): { sentAt: number; ms: number; status: number }[];
  /** How long the oldest push forwarded and not answered yet has waited (ms; 0 when none waits). */
  oldestUnanswered(): number;
  /** Forwards what was held back and the repeats kept, in arrival order or reversed; answers their statuses. */
  release(order: 'in-order' | 'reversed'): Promise<number[]>;
  /** Forgets what is held (the pushes are lost). */
  drop(): void;
  close(): Promise<void>;
}

export async function startPushProxy(clock: Clock): Promise<PushProxy> {
  let held: string[] = [];
  let answers: { sentAt: number; ms: number; status: number }[] = [];
  /** Pushes forwarded and not answered yet: when each was sent, by a number of its own. */
  const unanswered = new Map<number, number>();
  let forwardedSoFar = 0;
  let rng = mulberry32(1);
  let seeded: number | null = null;
  const counts = { received: 0, forwarded: 0, lost: 0, held: 0, repeated: 0, released: 0 };
  const forward = async (target: string, body: string): Promise<number> => {
    const res = await fetch(target, {
      method: 'POST',
      headers: signedPushHeaders(body, Math.floor(clock.now().getTime() / 1000)),
      body,
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.status;
  };
  const proxy: PushProxy & { url: string } = {
    url: '',
    target: '',
    faults: null,
    counts,
    pending: () => held.length,
    takeAnswers: () => {
      const taken = answers;
      answers = [];
      return taken;
    },
    oldestUnanswered: () => (unanswered.size ? performance.now() - Math.min(...unanswered.values()) : 0),
    release: async (order) => {
      const batch = order === 'reversed' ? held.reverse() : held;
      held = [];
      const statuses: number[] = [];
      for (const body of batch) {
        counts.released++;
        statuses.push(await forward(proxy.target, body).catch(() => 0));
      }
      return statuses;
    },
    drop: () => {
      held = [];
    },
    close: () => Promise.resolve(),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      counts.received++;
      const faults = proxy.faults;
      if (faults && seeded !== faults.seed) {
        seeded = faults.seed;
        rng = mulberry32(faults.seed);
      }
      const roll = faults ? rng() : 1;
      if (faults && roll < faults.lose) {
        counts.lost++;
        res.writeHead(200).end('{"code":0}');
        return;
      }
      if (faults && roll < faults.lose + faults.hold) {
        counts.held++;
        held.push(body);
        res.writeHead(200).end('{"code":0}');
        return;
      }
      if (faults && roll < faults.lose + faults.hold + faults.repeat) {
        counts.repeated++;
        held.push(body);
      }
      counts.forwarded++;
      const sent = performance.now();
      const id = forwardedSoFar++;
      unanswered.set(id, sent);
      const answered = (status: number) => {
        unanswered.delete(id);
        answers.push({ sentAt: sent, ms: performance.now() - sent, status });
      };
      // Forwarded as the platform sent it (its own signature and timestamp); the service's answer goes back.
      fetch(proxy.target, {
        method: 'POST',
        headers: {
          'Content-Type': String(req.headers['content-type'] ?? 'application/json'),
          'X-Robot-Timestamp': String(req.headers['x-robot-timestamp'] ?? ''),
          'X-Robot-Signature': String(req.headers['x-robot-signature'] ?? ''),
        },
        body,
      })
        .then(async (upstream) => {
          const text = await upstream.text();
          answered(upstream.status);
          res.writeHead(upstream.status, { 'Content-Type': 'application/json' }).end(text);
        })
        .catch(() => {
          answered(0);
          res.destroy();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/push`;
  proxy.close = async () => {
    held = [];
    answers = [];
    unanswered.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return proxy;
}

/** A small seeded generator (the simulator's own choice), for reproducible fault rolls. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
