import { createConnection, createServer, Server, Socket } from 'net';

export type OutageMode = 'refuse' | 'silence';

export interface TcpProxy {
  /** The port it listens on, at 127.0.0.1. */
  port: number;
  /** Connections relayed right now. */
  readonly open: number;
  /** Connections accepted since it started (refused ones included). */
  readonly accepted: number;
  /**
   * The outage: every relayed connection is reset at once (the client gets ECONNRESET; the server sees its
   * client go, and rolls back what it had open), and until `restore()` every new one is either reset as soon as it
   * is accepted (`refuse`: a server restarting, a connection refused) or accepted and never answered (`silence`: a
   * host down or unreachable, its packets dropped; the client's own timeout ends the attempt).
   */
  cut(mode?: OutageMode): void;
  /** Relays new connections again (ones left unanswered stay so until their clients give up). */
  restore(): void;
  readonly down: OutageMode | null;
  close(): Promise<void>;
}

/**
 * A TCP proxy of the test's own, on a free port of 127.0.0.1, relaying byte for byte to `target`: put between
 * the apps and the database, it takes the database away (`cut`) and brings it back (`restore`) while the
 * database itself, and the apps, run on. Plain `net`; nothing of the protocol is read.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const unanswered = new Set<Socket>();
  let down: OutageMode | null = null;
  let accepted = 0;

  const server: Server = createServer((client) => {
    accepted++;
    if (down) {
      client.on('error', () => undefined);
      if (down === 'refuse') {
        client.resetAndDestroy();
        return;
      }
      // Never read, never answered: to the client, a server that does not respond.
      client.pause();
      unanswered.add(client);
      client.on('close', () => unanswered.delete(client));
      return;
    }
    const upstream = createConnection(target);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    // Either side's error or close ends both: a half-open pair would hang its client.
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  const resetAll = () => {
    for (const pair of [...pairs]) {
      pairs.delete(pair);
      const [client, upstream] = pair;
      if (!client.destroyed) client.resetAndDestroy();
      upstream.destroy();
    }
  };

  return {
    port,
    get open() {
      return pairs.size;
    },
    get accepted() {
      return accepted;
    },
    get down() {
      return down;
    },
    cut: (mode: OutageMode = 'refuse') => {
      down = mode;
      resetAll();
    },
    restore: () => {
      down = null;
    },
    close: async () => {
      down = 'refuse';
      resetAll();
      for (const client of unanswered) client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
