import { createServer, get, IncomingMessage, Server } from 'http';
import { Socket } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { DataSource } from 'typeorm';
import { asAccount, Harness, startHarness } from './support/harness';
import { ALWAYS, createTask, grantBot, insertContacts } from './support/factories';

/** A statement reading a page of a task's contacts: the export's keyset read (`… id > ? ORDER BY id …`). */
const CONTACT_PAGE = /\bFROM\s+ai_visitor_list\b[\s\S]*\bid\s*>\s*\?[\s\S]*\bORDER BY\s+id\b/i;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * GET /v1/tasks/:id/contacts.csv streams with back-pressure: a client that stops reading stops the export
 * reading pages from the database, rather than the server rendering the whole task into memory for it, and the
 * export goes on where it stopped once the client reads again. Pages are counted where they are read (every
 * statement reading a page of contacts), so buffering anywhere in the server shows.
 *
 * The client talks to the API's own Express app over a Unix socket. Over loopback TCP the kernel's buffers grow
 * to several MB (tcp_wmem / tcp_rmem autotuning), enough to swallow this whole CSV without the server noticing;
 * a Unix socket's buffer stays ~200 KB (net.core.wmem_default). What the kernel took is read off the server's
 * socket and left out, so what is measured is the server's own buffering, whatever the machine's buffer sizes.
 */
describe('CSV export back-pressure', () => {
  const FIRM = 7801;
  const me = asAccount(FIRM, 1);
  /** ~1.7 MB of CSV, 25 pages of the export's 1,000 contacts. */
  const CONTACTS = 25_000;
  const PAGE = 1000;
  const socketPath = join(tmpdir(), `aiv-export-backpressure-${process.pid}.sock`);
  let h: Harness;
  let server: Server;
  let serverSocket: Socket | undefined;
  let taskId: string;

  beforeAll(async () => {
    h = await startHarness();
    await grantBot(h, FIRM);
    taskId = await createTask(h, FIRM, 1, { contacts: [], callWindow: ALWAYS });
    await insertContacts(h, taskId, CONTACTS);
    server = createServer(h.api.getHttpAdapter().getInstance());
    server.on('connection', (socket: Socket) => (serverSocket = socket));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await h?.close();
  });

  it('stops reading pages while the client does not read, and finishes with every row once it reads again', async () => {
    const ds = h.api.get(DataSource);
    let pagesRead = 0;
    const query = ds.query.bind(ds) as (...args: unknown[]) => Promise<unknown>;
    const spy = jest.spyOn(ds, 'query').mockImplementation((sql: string, ...rest: unknown[]) => {
      if (CONTACT_PAGE.test(sql)) pagesRead++;
      return query(sql, ...rest) as Promise<any>;
    });
    try {
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        get({ socketPath, path: `/v1/tasks/${taskId}/contacts.csv`, headers: me }, resolve).on('error', reject);
      });
      expect(res.statusCode).toBe(200);

      // Read one chunk, then stop: the client's socket stops reading once its stream's buffer is full.
      const chunks: Buffer[] = [];
      await new Promise<void>((resolve) => {
        res.once('data', (chunk: Buffer) => {
          chunks.push(chunk);
          res.pause();
          resolve();
        });
      });

      // Wait until the server has filled what lies between it and the client, then some more.
      let stalled = -1;
      for (let quiet = 0, polls = 0; quiet < 5 && polls < 100; polls++) {
        await sleep(100);
        quiet = pagesRead === stalled ? quiet + 1 : 0;
        stalled = pagesRead;
      }
      await sleep(1000);
      const whilePaused = pagesRead;
      // Bytes the kernel took from the server: written, less what still waits in the socket's own buffer.
      const inKernel = serverSocket!.bytesWritten - serverSocket!.writableLength;
      expect(whilePaused).toBe(stalled);
      expect(whilePaused).toBeGreaterThan(0);

      const text = await new Promise<string>((resolve, reject) => {
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
        res.resume();
      });

      const lines = text.split('\r\n');
      expect(lines.pop()).toBe('');
      expect(lines[0]).toBe(
        '\ufeffcandidate_ref,name,phone,status,skip_reason,attempts,call_result,fail_reason,intention,duration_sec,called_at,last_summary',
      );
      const rows = lines.slice(1);
      expect(rows).toHaveLength(CONTACTS);
      // Every contact once, in the order they were added.
      const misplaced = rows.findIndex(
        (row, i) => !row.startsWith(`cand-${i + 1},候选人${i + 1},+86139${String(i + 1).padStart(8, '0')},`),
      );
      expect(misplaced === -1 ? 'every row in place' : rows[misplaced]).toBe('every row in place');
      // The rest of the pages were read once the client read again: 25 full pages and the empty one after.
      expect(pagesRead).toBe(CONTACTS / PAGE + 1);

      // While the client did not read, the server held at most the page it was writing, one in the stream and
      // one read ahead beyond what the kernel took (3; one more allowed). One that buffered the task would have
      // read every page by then.
      let pageEnd = Buffer.byteLength(`${lines[0]}\r\n`);
      let pagesInKernel = 0;
      for (let page = 0; page < CONTACTS / PAGE; page++) {
        for (const row of rows.slice(page * PAGE, (page + 1) * PAGE)) pageEnd += Buffer.byteLength(row) + 2;
        if (pageEnd <= inKernel) pagesInKernel++;
      }
      // (A kernel that took most of the CSV would leave nothing to tell.)
      expect(pagesInKernel).toBeLessThan(CONTACTS / PAGE / 2);
      expect(whilePaused).toBeLessThanOrEqual(pagesInKernel + 4);
    } finally {
      spy.mockRestore();
    }
  });
});
