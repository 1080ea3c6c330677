import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** One POST the receiver got, whatever it answered. */
export interface ReceivedPush {
  headers: IncomingHttpHeaders;
  /** The body exactly as received (UTF-8), as a signature is computed over it. */
  rawBody: string;
  body: any;
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
    let receiver: CallbackReceiver | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const status = receiver!.answer(receiver!.received.length);
        let body: unknown = null;
        try {
          body = JSON.parse(rawBody);
        } catch {
          // kept as null: a spec asserting on the body then fails visibly
        }
        receiver!.received.push({ headers: request.headers, rawBody, body, receivedAt: Date.now(), status });
        response.writeHead(status, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    receiver = new CallbackReceiver(server, `http://127.0.0.1:${port}${path}`);
    return receiver;
  }

  /** Records of every POST answered 2xx. */
  storedRecords(): any[] {
    return this.received.filter((push) => push.status < 300).flatMap((push) => push.body.records);
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
