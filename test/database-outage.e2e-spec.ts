import { performance } from 'perf_hooks';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '@app/database';
import { startSimulator, RunningSimulator } from '../apps/robot-call-simulator/src';
import { ADMIN_TOKEN, CALLBACK_SECRET, SERVICE_TOKEN, signedPushHeaders, SIMULATOR_KEY } from './support/harness';
import { ALWAYS, mobiles } from './support/factories';
import { groundTruth } from './support/ground-truth';
import { expectCountersExact } from './support/stats-counters';
import { createTestDatabase, serverUrl, TestDatabase } from './support/test-database';
import { TEST_PHONE_KEYS } from './support/phone-keys';
import { nestLogLevels } from './support/test-log-level';
import { OutageMode, startTcpProxy, TcpProxy } from './support/tcp-proxy';
import { AppProcess, freePort, startAppProcess } from './support/app-process';
import { startWebhookReceiver, WebhookReceiver } from './support/webhook-receiver';
import { ContractValidator, reportCoverage } from './support/contract';
import { DbValue } from './support/db-rows';
import { CreateTaskResponse, parseAs, RegisteredWebhookResponse } from './support/api-types';

/**
 * The database goes away and comes back (issue 20, item 5). The API and the worker run as production runs them,
 * each its own process from its main.ts (the worker with its cron every second and its events relay loop), talking
 * to MariaDB through a TCP proxy of the test's own (test/support/tcp-proxy.ts). While campaigns dial, the platform
 * pushes results and the relay delivers webhooks, the proxy cuts every connection and refuses new ones for a few
 * seconds, twice: no process exits; readiness answers 503 while the database is away and 200 after; a request
 * answers 503 DATABASE_UNAVAILABLE within 5 s; the tasks whose leases the failed pass held are synced again by
 * the next passes, not after SYNC_LEASE_SECONDS (300); and once the database is back every task completes with
 * every call stored once, no contact called beyond its attempts, no campaign doubled, no event lost or doubled,
 * every event delivered.
 *
 * MySQL/MariaDB only: the embedded database is a file the process opens, with no connection to cut.
 */
const onMysql = serverUrl() !== '';

const FIRM = 9301;
const ACCOUNT = 1;
const TASKS = 4;
const CONTACTS = 16;
const MAX_ATTEMPTS = 2;
/** How long each outage lasts at least: "for seconds". */
const OUTAGE_MS = 3_000;
/** A request during the outage answers within this (docs/operations.md). */
const ANSWER_WITHIN_MS = 5_000;
/** SYNC_LEASE_SECONDS (its default): a task stranded by a failed pass's lease would wait this long. */
const LEASE_SECONDS = 300;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value (not undefined), or fails naming `what` after `ms`. */
async function waitFor<T>(what: string, ms: number, check: () => Promise<T | undefined>, everyMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${ms} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await sleep(everyMs);
  }
}

(onMysql ? describe : describe.skip)('the database goes away and comes back (MySQL/MariaDB)', () => {
  let db: TestDatabase;
  let direct: DataSource;
  let proxy: TcpProxy;
  let simulator: RunningSimulator;
  let receiver: WebhookReceiver;
  let api: AppProcess;
  let worker: AppProcess;
  const apps = () => [api, worker].filter(Boolean);

  const me = {
    Authorization: `Bearer ${SERVICE_TOKEN}`,
    'X-Firm-Id': String(FIRM),
    'X-Account-Id': String(ACCOUNT),
    'Content-Type': 'application/json',
  };
  const admin = { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' };
  /** The document the API process serves (read from memory, the database away or not), checking every answer of `call`. */
  let contract: ContractValidator | undefined;
  /** `T`: the body as the test reads it (an error's body where the test reads the refusal). */
  const call = async <T = unknown>(method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const started = performance.now();
    const sent = body === undefined || typeof body === 'string' ? body : JSON.stringify(body);
    const res = await fetch(`${api.baseUrl}${path}`, {
      method,
      headers,
      body: sent,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    const answer = {
      route: `${method} ${path}`,
      status: res.status,
      body: text ? parseAs<T>(text) : undefined,
      ms: performance.now() - started,
    };
    contract ??= new ContractValidator(
      (await (await fetch(`${api.baseUrl}/docs-json`, { signal: AbortSignal.timeout(10_000) })).json()) as never,
    );
    contract.check(method, path, {
      status: res.status,
      headers: Object.fromEntries(res.headers),
      body: answer.body,
      text,
    });
    return answer;
  };

  /** No app process has exited; else fails with its output's tail. */
  function expectAllRunning(): void {
    for (const app of apps()) {
      if (app.exit())
        throw new Error(`the ${app.name} process exited (${JSON.stringify(app.exit())}): ${app.output().slice(-4000)}`);
    }
  }

  const ready = async (app: AppProcess) =>
    (await fetch(`${app.baseUrl}/health/ready`, { signal: AbortSignal.timeout(10_000) })).status;

  beforeAll(async () => {
    db = await createTestDatabase();
    const url = new URL(db.settings.url!);
    direct = new DataSource({ ...buildDataSourceOptions({ url: url.toString() }), migrations: [] });
    await direct.initialize();
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 3306) });
    const proxied = new URL(url.toString());
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);

    const [apiPort, workerPort] = [await freePort(), await freePort()];
    // Calls long enough that campaigns are dialling when the database goes; pushes of every result to the API
    // (which fail during the outages, on purpose: their warnings only at the suite's LOG_LEVEL).
    simulator = await startSimulator(
      {
        apiKey: SIMULATOR_KEY,
        callMs: 250,
        parallelism: 2,
        delayMs: 100,
        pushUrl: `http://127.0.0.1:${apiPort}/v1/callbacks/robot-call`,
        pushSecret: CALLBACK_SECRET,
      },
      nestLogLevels(),
    );
    receiver = await startWebhookReceiver();
    const env = {
      ...TEST_PHONE_KEYS,
      DATABASE_URL: proxied.toString(),
      ROBOT_CALL_BASE_URL: simulator.baseUrl,
      ROBOT_CALL_API_KEY: SIMULATOR_KEY,
      ROBOT_CALL_CALLBACK_SECRET: CALLBACK_SECRET,
      ROBOT_CALL_TIMEOUT_MS: '2000',
      SERVICE_TOKEN,
      ADMIN_TOKEN,
      // The sync every second, one task at a time: a pass holds leases most of the time, as a long pass does.
      SYNC_CRON: '* * * * * *',
      SYNC_CONCURRENCY: '1',
      SYNC_LEASE_SECONDS: String(LEASE_SECONDS),
      // Pushes do not hold polling off here: which of the two reads a result is not what this file is about.
      SYNC_SKIP_AFTER_PUSH_SECONDS: '0',
      SYNC_EDGE_CRON: '0 0 1 1 *',
      BOT_EXPIRY_CRON: '0 0 1 1 *',
      EVENTS_PURGE_CRON: '0 0 1 1 *',
      EVENTS_RELAY_INTERVAL_MS: '100',
      WEBHOOK_TIMEOUT_MS: '2000',
      INCONVENIENT_CALLBACK_DAYS: '0',
      THROTTLE_LIMIT: '1000000',
      SHUTDOWN_TIMEOUT_MS: '10000',
      // Captured, never printed: the test's messages quote it when something fails.
      LOG_LEVEL: 'warn',
    };
    const booted = await Promise.allSettled([
      startAppProcess('api', apiPort, env),
      startAppProcess('worker', workerPort, env),
    ]);
    // Kept even when the other failed to boot, so afterAll stops it.
    [api, worker] = booted.map((b) => (b.status === 'fulfilled' ? b.value : undefined!));
    for (const b of booted) if (b.status === 'rejected') throw b.reason;
  }, 240_000);

  afterAll(async () => {
    reportCoverage(contract);
    for (const app of apps()) await app.stop();
    await receiver?.close();
    await simulator?.close();
    await proxy?.close();
    await direct?.destroy();
    await db?.drop();
  }, 60_000);

  /** Tasks whose lease is held now (database time), with the epoch of that lease. */
  async function leased(): Promise<Map<string, number>> {
    const rows = await direct.query<{ id: string | number; lease_epoch: string | number }[]>(
      'SELECT id, lease_epoch FROM ai_visitor_task WHERE firm_id = ? AND lease_owner IS NOT NULL AND lease_until > NOW(3)',
      [FIRM],
    );
    return new Map(rows.map((r) => [String(r.id), Number(r.lease_epoch)]));
  }

  /**
   * A push as the platform signs it, of a record for a campaign of ours whose ref names no contact: answered like any
   * push, and never stores anything, whenever it lands.
   */
  let probes = 0;
  async function probePush(campaignId: string) {
    const record = {
      record_id: `outage-probe-${++probes}`,
      ref: '999999999',
      call_result: 2,
      fail_reason: 'no_answer',
      intention: 0,
      duration_sec: 0,
      called_at: new Date().toISOString(),
    };
    const body = JSON.stringify({ campaign_id: campaignId, records: [record] });
    return call('POST', '/v1/callbacks/robot-call', signedPushHeaders(body), body);
  }

  async function storedRecords(): Promise<number> {
    const [{ n }] = await direct.query<{ n: DbValue }[]>(
      'SELECT COUNT(*) AS n FROM ai_visitor_call_record r JOIN ai_visitor_task t ON t.id = r.task_id WHERE t.firm_id = ?',
      [FIRM],
    );
    return Number(n);
  }

  /**
   * One outage while the sync holds leases: cut, check the processes from outside, restore, check again. Returns
   * the leases the failed pass held at the cut (still in the database: nobody could give them back).
   */
  async function outage(taskIds: string[], mode: OutageMode): Promise<Map<string, number>> {
    // A campaign the API knows (it remembers a campaign's task once a push named it), so that pushes during the
    // outage queue for the task's transaction as the platform's do.
    const [{ campaign_id: campaignId }] = await direct.query<{ campaign_id: string }[]>(
      'SELECT campaign_id FROM ai_visitor_call_task WHERE task_id = ? AND campaign_id IS NOT NULL ORDER BY id LIMIT 1',
      [taskIds[3]],
    );
    expect((await probePush(campaignId)).body).toEqual({ received: 1, stored: 0 });
    // Cut while a pass holds leases (the sync is one task at a time against a platform answering in 100 ms).
    await waitFor('a sync pass holding leases', 30_000, async () => ((await leased()).size > 0 ? true : undefined), 10);
    proxy.cut(mode);
    const cutAt = Date.now();
    const stranded = await leased();

    // Readiness: 503 on both, while the database is away.
    for (const app of apps())
      await waitFor(`the ${app.name}'s readiness answering 503`, 10_000, async () =>
        (await ready(app)) === 503 ? true : undefined,
      );
    // Requests, at once (beside the platform's pushes): reads, writes, an admin route, pushes of one task; each 503
    // DATABASE_UNAVAILABLE within 5 s, whether connections are refused or never answered.
    const answers = await Promise.all([
      probePush(campaignId),
      probePush(campaignId),
      probePush(campaignId),
      call('GET', `/v1/tasks/${taskIds[0]}`, me),
      call('GET', '/v1/tasks', me),
      call('GET', `/v1/tasks/${taskIds[1]}/stats`, me),
      call('POST', `/v1/tasks/${taskIds[2]}/pause`, me),
      call('POST', '/v1/do-not-call', me, { phones: ['13900009999'] }),
      call('GET', `/v1/admin/firms/${FIRM}/bot`, admin),
    ]);
    for (const answer of answers) {
      expect({
        mode,
        route: answer.route,
        status: answer.status,
        body: answer.body,
        ms: answer.ms < ANSWER_WITHIN_MS ? 'within 5 s' : answer.ms,
      }).toEqual({
        mode,
        route: answer.route,
        status: 503,
        body: { code: 'DATABASE_UNAVAILABLE', message: expect.any(String) },
        ms: 'within 5 s',
      });
    }
    expectAllRunning();

    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - cutAt)));
    proxy.restore();
    for (const app of apps())
      await waitFor(`the ${app.name}'s readiness answering 200 again`, 15_000, async () =>
        (await ready(app)) === 200 ? true : undefined,
      );
    expect((await call('GET', `/v1/tasks/${taskIds[0]}`, me)).status).toBe(200);
    expectAllRunning();
    return stranded;
  }

  /**
   * The leases a failed pass held are not waited out (SYNC_LEASE_SECONDS): each of those tasks is claimed again
   * (its epoch moves on) by the passes after the database is back, or is finished, within a minute.
   */
  async function expectResyncedSoon(stranded: Map<string, number>): Promise<void> {
    if (stranded.size === 0) return;
    await withLogs(
      worker,
      waitFor(
        `the tasks leased at the cut (${[...stranded.keys()].join(',')}) synced again, well before SYNC_LEASE_SECONDS (${LEASE_SECONDS} s)`,
        60_000,
        async () => {
          const rows = await direct.query<{ id: string | number; lease_epoch: string | number; status: number }[]>(
            `SELECT id, lease_epoch, status FROM ai_visitor_task WHERE id IN (${[...stranded.keys()].map(() => '?').join(', ')})`,
            [...stranded.keys()],
          );
          return rows.every(
            (r) => Number(r.lease_epoch) > stranded.get(String(r.id))! || [5, 6].includes(Number(r.status)),
          )
            ? true
            : undefined;
        },
      ),
    );
  }

  /** `work`, failing with the tail of the app's log (warnings and errors) added to its message. */
  async function withLogs<T>(app: AppProcess, work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\n--- the ${app.name}'s log, last lines:\n${app.output().slice(-3000)}`,
        { cause: error },
      );
    }
  }

  it('no process exits; readiness and requests say so while it is away; every task completes with nothing lost or doubled', async () => {
    // The endpoint first: it gets every event of the firm from then on.
    const hook = await call<RegisteredWebhookResponse>('POST', '/v1/admin/webhooks', admin, {
      url: receiver.url,
      firmId: String(FIRM),
    });
    expect(hook.status).toBe(201);
    receiver.secret = hook.body!.secret;
    expect(
      (
        await call('PUT', `/v1/admin/firms/${FIRM}/bot`, admin, {
          isOpenBot: true,
          botExpireAt: '2099-12-31T00:00:00Z',
          botTaskNum: 100,
        })
      ).status,
    ).toBe(200);

    const taskIds: string[] = [];
    for (let t = 0; t < TASKS; t++) {
      const created = await call<CreateTaskResponse>('POST', '/v1/tasks', me, {
        name: `outage ${t}`,
        scriptId: 'recruit-v1',
        batchSize: 4,
        maxAttempts: MAX_ATTEMPTS,
        retryGapMinutes: 0,
        callWindow: ALWAYS,
        contacts: mobiles(CONTACTS, t * 100 + 1, '136').map((phone) => ({ phone })),
      });
      expect(created.status).toBe(201);
      taskIds.push(created.body!.task.id);
    }
    for (const id of taskIds) expect((await call('POST', `/v1/tasks/${id}/start`, me)).status).toBe(200);

    // Twice, each while calls are being stored (pushed and polled) and events delivered: connections refused, then
    // never answered.
    const strandedSeen: string[] = [];
    for (const mode of ['refuse', 'silence'] as const) {
      const before = await storedRecords();
      await waitFor(`calls being stored before the outage (${mode})`, 60_000, async () =>
        (await storedRecords()) > before ? true : undefined,
      );
      const stranded = await outage(taskIds, mode);
      strandedSeen.push(...stranded.keys());
      await expectResyncedSoon(stranded);
    }
    expect(strandedSeen.length).toBeGreaterThan(0);

    // Every task completes.
    await withLogs(
      worker,
      waitFor(
        'every task completed',
        120_000,
        async () => {
          const [{ n }] = await direct.query<{ n: DbValue }[]>(
            'SELECT COUNT(*) AS n FROM ai_visitor_task WHERE firm_id = ? AND status <> 5',
            [FIRM],
          );
          return Number(n) === 0 ? true : undefined;
        },
        250,
      ),
    );
    expectAllRunning();
    const marks = taskIds.map(() => '?').join(', ');

    // No campaign doubled: every campaign on the platform is one of ours, under the request id we recorded, and
    // each of ours exists there, finished.
    const callTasks = await direct.query<{ request_id: string; campaign_id: string | null; status: number }[]>(
      `SELECT request_id, campaign_id, status FROM ai_visitor_call_task WHERE task_id IN (${marks})`,
      taskIds,
    );
    const truth = await groundTruth(simulator.baseUrl);
    expect(truth.campaigns.map((c) => [c.request_id, c.campaign_id]).sort()).toEqual(
      callTasks.map((c) => [c.request_id, c.campaign_id]).sort(),
    );
    expect(callTasks.filter((c) => Number(c.status) !== 3)).toEqual([]);

    // Every call stored once.
    const stored = await direct.query<{ record_id: string }[]>(
      `SELECT record_id FROM ai_visitor_call_record WHERE task_id IN (${marks})`,
      taskIds,
    );
    const made = truth.campaigns.flatMap((c) => (c.records ?? []).map((r) => r.record_id));
    expect(stored.map((r) => r.record_id).sort()).toEqual(made.sort());

    // No contact called beyond its attempts: each was called exactly as often as its attempts say, and no more
    // than the task allows (plus an "inconvenient now" callback).
    const callsPerRef = new Map<string, number>();
    for (const c of truth.campaigns)
      for (const r of c.records ?? []) callsPerRef.set(r.ref, (callsPerRef.get(r.ref) ?? 0) + 1);
    const contacts = await direct.query<
      { id: string | number; status: number; attempts: number; callback_count: number }[]
    >(
      `SELECT id, status, attempts, callback_count FROM ai_visitor_list WHERE task_id IN (${marks}) ORDER BY id`,
      taskIds,
    );
    expect(contacts).toHaveLength(TASKS * CONTACTS);
    expect(contacts.map((c) => [String(c.id), Number(c.status), Number(c.attempts)])).toEqual(
      contacts.map((c) => [String(c.id), 3, callsPerRef.get(String(c.id)) ?? 0]),
    );
    expect(contacts.filter((c) => Number(c.attempts) > MAX_ATTEMPTS + Number(c.callback_count))).toEqual([]);
    await expectCountersExact(direct);

    // No event lost or doubled: one contact.called per stored call, each task's sequences gapless; and every event
    // delivered to the endpoint (at least once, as webhooks.md promises: a round cut between its POSTs and their
    // record sends those again), every delivery recorded as made.
    await withLogs(
      worker,
      waitFor(
        'every event positioned, fanned out and delivered',
        120_000,
        async () => {
          const [{ n }] = await direct.query<{ n: DbValue }[]>(
            `SELECT (SELECT COUNT(*) FROM ai_visitor_event WHERE firm_id = ? AND (position IS NULL OR type LIKE 'batch:%'))
              + (SELECT COUNT(*) FROM ai_visitor_event WHERE firm_id = ? AND position > (SELECT position FROM ai_visitor_event_cursor WHERE name = 'fanout'))
              + (SELECT COUNT(*) FROM ai_visitor_webhook_delivery WHERE status <> 1) AS n`,
            [FIRM, FIRM],
          );
          return Number(n) === 0 ? true : undefined;
        },
        250,
      ),
    );
    const events = await direct.query<
      {
        id: string | number;
        type: string;
        task_id: string | number | null;
        sequence: number | null;
        data: string;
      }[]
    >('SELECT id, type, task_id, sequence, data FROM ai_visitor_event WHERE firm_id = ? ORDER BY id', [FIRM]);
    const called = events
      .filter((e) => e.type === 'contact.called')
      .map((e) => (JSON.parse(e.data) as { recordId: string }).recordId);
    expect(called.sort()).toEqual(stored.map((r) => r.record_id).sort());
    for (const id of taskIds) {
      const own = events
        .filter((e) => String(e.task_id) === id)
        .map((e) => Number(e.sequence))
        .sort((a, b) => a - b);
      expect(own).toEqual(own.map((_, i) => i + 1));
    }
    const [{ deliveries }] = await direct.query<{ deliveries: DbValue }[]>(
      'SELECT COUNT(*) AS deliveries FROM ai_visitor_webhook_delivery',
    );
    expect(Number(deliveries)).toBe(events.length);
    const received = new Set(receiver.accepted().map((d) => d.eventId));
    expect([...received].sort()).toEqual(events.map((e) => `evt_${e.id}`).sort());
    expect(receiver.requests.every((d) => d.verified)).toBe(true);

    expectAllRunning();
  }, 420_000);

  it('both processes still shut down cleanly (SIGTERM: exit 0)', async () => {
    expectAllRunning();
    for (const app of apps())
      expect({ app: app.name, ...(await app.stop()) }).toEqual({ app: app.name, code: 0, signal: null });
  }, 60_000);
});
