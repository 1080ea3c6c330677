import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { WireRecord } from './simulator-http';

/** The body of a push, as the simulator sends it. */
export interface PushBody {
  campaign_id: string;
  records: WireRecord[];
}

/** One POST the receiver got, whatever it answered. */
export interface ReceivedPush {
  headers: IncomingHttpHeaders;
  /** The body exactly as received (UTF-8), as a signature is computed over it. */
  rawBody: string;
  /** Parsed; null when it was not JSON. */
  body: PushBody | null;
  /** Date.now() on arrival. */
  receivedAt: number;
  /** The HTTP status it was answered with. */
  status: number;
}

/** A bare `node:http` callback receiver on 127.0.0.1 and a free port, for push specs: records every POST. */
export class CallbackReceiver {
  readonly received: ReceivedPush[] = [];
  /** The status to answer the `index`-th POST (0-based) with; 200 unless a spec says otherwise. */
  answer: (index: number) => number = () => 200;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(path = '/robot-call/callback'): Promise<CallbackReceiver> {
    const receiver: { current?: CallbackReceiver } = {};
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const current = receiver.current!;
        const status = current.answer(current.received.length);
        let body: PushBody | null = null;
        try {
          body = JSON.parse(rawBody) as PushBody;
        } catch {
          // kept as null: a spec asserting on the body then fails visibly
        }
        current.received.push({ headers: request.headers, rawBody, body, receivedAt: Date.now(), status });
        response.writeHead(status, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    receiver.current = new CallbackReceiver(server, `http://127.0.0.1:${port}${path}`);
    return receiver.current;
  }

  /** Records of every POST answered 2xx. */
  storedRecords(): WireRecord[] {
    return this.received.filter((push) => push.status < 300).flatMap((push) => push.body!.records);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A URL on which nothing listens: a port just released by a server. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/robot-call/callback`;
}
