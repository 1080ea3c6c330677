import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** What the scripted server does with the n-th request (1-based). */
export type ScriptedReply = { status: number; body: unknown } | { status: number; raw: string } | 'destroy';

export interface ScriptedServer {
  baseUrl: string;
  /** Requests received so far, with their parsed bodies. */
  requests: { path: string; body: unknown }[];
  close(): Promise<void>;
}

/**
 * A real HTTP server answering from a script, for answers the simulator never gives (HTTP 200 with a
 * 5xxxx code, a non-envelope body, a message that echoes a phone number).
 */
export async function startScriptedServer(script: (n: number) => ScriptedReply): Promise<ScriptedServer> {
  const requests: { path: string; body: unknown }[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', body: text ? JSON.parse(text) : undefined });
      const reply = script(requests.length);
      if (reply === 'destroy') return void req.socket.destroy();
      const payload = 'raw' in reply ? reply.raw : JSON.stringify(reply.body);
      res.writeHead(reply.status, { 'Content-Type': 'raw' in reply ? 'text/html' : 'application/json' }).end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
