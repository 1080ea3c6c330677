import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { mulberry32 } from './push-proxy';
import { parseAs } from '../api-types';

/**
 * A pass-through HTTP proxy between the service's gateway client and the robot-call simulator, for the
 * platform behaviours the simulator has no knob for (test-only, nothing of it ships):
 *  - `refuse`: `campaign_add` and `change_status(start)` are refused with `40000` (the platform's policy
 *    refusing a script, say): the service must end in a stated state, never retry for ever;
 *  - `oversize`: failed records read by `campaign_detail` carry a `fail_reason` longer than any column;
 *  - `lostStatusReplies`: a share of `change_status` requests (of the actions named) reaches the platform, which
 *    applies it, but the reply is lost (the client's connection destroyed unanswered): the simulator's own
 *    `lostReplyRate` does this for `campaign_add` only (issue 20, item 7: a start whose reply was lost, then a
 *    pause). Rolls from a seeded generator.
 * Lost connections stay lost: when the simulator drops a reply, the proxy drops the client's too.
 * Pushes go from the simulator to the API directly, not through here. (Numbers the platform never dials are the
 * simulator's own test-only `neverDials` option, so its ground truth knows them.)
 */
export interface PlatformProxy {
  readonly baseUrl: string;
  /** The simulator's base URL, set once it is running. */
  target: string;
  refuse: boolean;
  oversize: boolean;
  lostStatusReplies: { rate: number; actions: readonly string[]; seed: number } | null;
  readonly counts: { refused: number; oversized: number; lostStatusReplies: number };
  close(): Promise<void>;
}

export const REFUSAL = {
  code: 40000,
  message: 'script not approved for outbound calls (refused by the platform)',
  data: null,
};
export const OVERSIZED_SUFFIX = '_the_platform_sent_a_reason_longer_than_any_column_holds';

export async function startPlatformProxy(): Promise<PlatformProxy> {
  const proxy = {
    baseUrl: '',
    target: '',
    refuse: false,
    oversize: false,
    lostStatusReplies: null,
    counts: { refused: 0, oversized: 0, lostStatusReplies: 0 },
    close: () => Promise.resolve(),
  } as PlatformProxy & { baseUrl: string };

  const server: Server = createServer((req, res) => {
    handle(proxy, req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return proxy;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

let lossRoll: { seed: number; next: () => number } | null = null;

/** Whether this change_status reply is to be lost (after the platform applied the request). */
function loseStatusReply(proxy: PlatformProxy, call: string, parsed: { action?: string } | null): boolean {
  const lost = proxy.lostStatusReplies;
  if (!lost || call !== 'robot_call_campaign_change_status' || !parsed || !lost.actions.includes(String(parsed.action)))
    return false;
  if (lossRoll?.seed !== lost.seed) lossRoll = { seed: lost.seed, next: mulberry32(lost.seed) };
  return lossRoll.next() < lost.rate;
}

async function handle(proxy: PlatformProxy, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = await readBody(req);
  const call = (req.url ?? '').replace(/^\//, '').split('?')[0];
  const body = raw.toString('utf8');
  let parsed: { action?: string } | null;
  try {
    parsed = parseAs<{ action?: string } | null>(body);
  } catch {
    parsed = null;
  }

  if (parsed && proxy.refuse) {
    const refused =
      call === 'robot_call_campaign_add' || (call === 'robot_call_campaign_change_status' && parsed.action === 'start');
    if (refused) {
      proxy.counts.refused++;
      res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify(REFUSAL));
      return;
    }
  }

  let upstream: Response;
  try {
    upstream = await fetch(`${proxy.target}/${call}`, {
      method: req.method,
      headers: {
        'Content-Type': req.headers['content-type'] ?? 'application/json',
        ...(req.headers.authorization ? { Authorization: req.headers.authorization } : {}),
      },
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
    });
  } catch {
    res.destroy(); // the simulator lost the reply: so does the client
    return;
  }
  let answer = await upstream.text();
  if (upstream.ok && loseStatusReply(proxy, call, parsed)) {
    proxy.counts.lostStatusReplies++;
    res.destroy(); // applied on the platform; the reply never reaches the client
    return;
  }
  if (proxy.oversize && call === 'robot_call_campaign_detail') {
    try {
      const envelope = parseAs<{ data?: { records?: { call_result: number; fail_reason: string | null }[] } } | null>(
        answer,
      );
      for (const record of envelope?.data?.records ?? []) {
        if (record.call_result === 2) {
          record.fail_reason = `${record.fail_reason ?? 'failed'}${OVERSIZED_SUFFIX}`;
          proxy.counts.oversized++;
        }
      }
      answer = JSON.stringify(envelope);
    } catch {
      // not JSON: pass it on as it is
    }
  }
  res
    .writeHead(upstream.status, { 'Content-Type': upstream.headers.get('content-type') ?? 'application/json' })
    .end(answer);
}
