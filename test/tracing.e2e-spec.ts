import { spawnSync } from 'child_process';
import { join } from 'path';
import { startSimulator, RunningSimulator } from '../apps/robot-call-simulator/src';
import { startOtlpSink, OtlpSink, ReceivedSpan } from '../bench/lib/otlp-sink';
import { ADMIN_TOKEN, CALLBACK_SECRET, SERVICE_TOKEN, signedPushHeaders, SIMULATOR_KEY } from './support/harness';
import { ALWAYS, mobiles } from './support/factories';
import { groundTruth } from './support/ground-truth';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { TEST_PHONE_KEYS } from './support/phone-keys';
import { nestLogLevels } from './support/test-log-level';
import { AppProcess, freePort, startAppProcess } from './support/app-process';
import { startWebhookReceiver, WebhookReceiver } from './support/webhook-receiver';
import { CreateTaskResponse, parseAs, RegisteredWebhookResponse } from './support/api-types';

/**
 * Traces across the hops (issue 23, item 5). The API and the worker run as production runs them, each its own
 * process from its main.ts, with OTEL_EXPORTER_OTLP_ENDPOINT pointing at an OTLP/HTTP receiver of the test's own
 * (bench/lib/otlp-sink.ts). A signed push of a call's result goes to the API; the worker's relay delivers its
 * `contact.called` to a webhook receiver. One trace holds the callback's HTTP and Nest spans, the push's
 * transaction (`push.ingest`, with its mysql2 statements on MySQL: the embedded database has no instrumentation),
 * and the worker's delivery (`webhook.deliver`), and the webhook's POST carries that trace in `traceparent`.
 * Without the variable, not one module of the SDK is loaded.
 */
const ROOT = join(__dirname, '..');
const FIRM = 9501;
const ACCOUNT = 1;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, ms: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

/** The @opentelemetry modules (the API aside) a process has loaded once the apps' modules are. */
function sdkModulesLoaded(env: Record<string, string>): string[] {
  const script = [
    "require('./apps/api/src/tracing.ts');",
    "require('./apps/worker/src/tracing.ts');",
    "require('./apps/api/src/api.module.ts');",
    "require('./apps/worker/src/worker.module.ts');",
    'const loaded = Object.keys(require.cache).filter((f) => /@opentelemetry[\\\\/](?!api[\\\\/])/.test(f));',
    'process.stdout.write(JSON.stringify([...new Set(loaded.map((f) => f.replace(/.*node_modules[\\\\/]/, "").split(/[\\\\/]/).slice(0, 2).join("/")))]));',
  ].join('\n');
  const run = spawnSync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', '-e', script],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env },
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  if (run.status !== 0) throw new Error(`the probe failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[];
}

describe('tracing off: the default', () => {
  it('loads no module of the SDK or its instrumentations; with OTEL_EXPORTER_OTLP_ENDPOINT set, it does', () => {
    expect(sdkModulesLoaded({})).toEqual([]);
    expect(sdkModulesLoaded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' })).toEqual(
      expect.arrayContaining([
        '@opentelemetry/sdk-trace-node',
        '@opentelemetry/instrumentation-http',
        '@opentelemetry/instrumentation-mysql2',
      ]),
    );
  }, 240_000);
});

describe('a push traced across the hops: callback, transaction, relay, webhook', () => {
  let db: TestDatabase;
  let sink: OtlpSink;
  let simulator: RunningSimulator;
  let receiver: WebhookReceiver;
  let api: AppProcess;
  let worker: AppProcess;

  const me = {
    Authorization: `Bearer ${SERVICE_TOKEN}`,
    'X-Firm-Id': String(FIRM),
    'X-Account-Id': String(ACCOUNT),
    'Content-Type': 'application/json',
  };
  const admin = { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' };
  const call = async <T = unknown>(method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(`${api.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? parseAs<T>(text) : undefined };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    sink = await startOtlpSink();
    // No pushes of its own: the test pushes the call's result itself, signed as the platform signs.
    simulator = await startSimulator({ apiKey: SIMULATOR_KEY, callMs: 50, delayMs: 0 }, nestLogLevels());
    receiver = await startWebhookReceiver();
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    const env = {
      ...TEST_PHONE_KEYS,
      ...db.env,
      ROBOT_CALL_BASE_URL: simulator.baseUrl,
      ROBOT_CALL_API_KEY: SIMULATOR_KEY,
      ROBOT_CALL_CALLBACK_SECRET: CALLBACK_SECRET,
      SERVICE_TOKEN,
      ADMIN_TOKEN,
      // The result reaches the service by the push only: no sync pass polls it first.
      SYNC_CRON: '0 0 1 1 *',
      SYNC_EDGE_CRON: '0 0 1 1 *',
      BOT_EXPIRY_CRON: '0 0 1 1 *',
      EVENTS_PURGE_CRON: '0 0 1 1 *',
      EVENTS_RELAY_INTERVAL_MS: '100',
      INCONVENIENT_CALLBACK_DAYS: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      // Request lines at info: they carry the trace ids checked below.
      LOG_LEVEL: 'info',
    };
    const booted = await Promise.allSettled([
      startAppProcess('api', apiPort, env),
      startAppProcess('worker', workerPort, env),
    ]);
    [api, worker] = booted.map((b) => (b.status === 'fulfilled' ? b.value : undefined!));
    for (const b of booted) if (b.status === 'rejected') throw b.reason;
  }, 240_000);

  afterAll(async () => {
    for (const app of [api, worker]) await app?.stop();
    await receiver?.close();
    await simulator?.close();
    await sink?.close();
    await db?.drop();
  }, 60_000);

  it('one trace from the callback span through the ingest transaction to the delivery, and the POST carries it', async () => {
    const hook = await call<RegisteredWebhookResponse>('POST', '/v1/admin/webhooks', admin, {
      url: receiver.url,
      firmId: String(FIRM),
      eventTypes: ['contact.called'],
    });
    expect(hook.status).toBe(201);
    receiver.secret = hook.body!.secret;
    const bot = { isOpenBot: true, botExpireAt: '2099-12-31T00:00:00Z', botTaskNum: 10 };
    expect((await call('PUT', `/v1/admin/firms/${FIRM}/bot`, admin, bot)).status).toBe(200);
    const created = await call<CreateTaskResponse>('POST', '/v1/tasks', me, {
      name: 'traced',
      scriptId: 'recruit-v1',
      callWindow: ALWAYS,
      contacts: mobiles(1, 1, '137').map((phone) => ({ phone })),
    });
    expect(created.status).toBe(201);
    expect((await call('POST', `/v1/tasks/${created.body!.task.id}/start`, me)).status).toBe(200);

    // The platform made the call; its result is pushed as the platform pushes it.
    const campaign = await waitFor('the call made on the platform', 60_000, async () => {
      const truth = await groundTruth(simulator.baseUrl);
      return truth.campaigns.find((c) => (c.records ?? []).length > 0);
    });
    const body = JSON.stringify({ campaign_id: campaign.campaign_id, records: campaign.records });
    const pushed = await call('POST', '/v1/callbacks/robot-call', signedPushHeaders(body), body);
    expect(pushed).toEqual({ status: 200, body: { received: 1, stored: 1 } });

    const delivered = await waitFor('contact.called delivered', 60_000, () =>
      receiver.accepted().find((d) => d.event.type === 'contact.called'),
    );
    const spans = (name: string, service: string) => sink.spans.filter((s) => s.name === name && s.service === service);
    const delivery = await waitFor('the delivery span exported', 30_000, () =>
      spans('webhook.deliver', 'ai-visitor-worker').find((s) => s.attributes['event.id'] === delivered.eventId),
    );
    const traceId = delivery.traceId;
    const inTrace = (s: ReceivedSpan) => s.traceId === traceId;
    const ingest = await waitFor('the push transaction span exported', 30_000, () =>
      spans('push.ingest', 'ai-visitor-api').find(inTrace),
    );

    // The callback's HTTP server span is the trace's root; the Nest handler's span below it, and the transaction's.
    const byId = new Map(sink.spans.filter(inTrace).map((s) => [s.spanId, s]));
    const ancestors = (span: ReceivedSpan): ReceivedSpan[] => {
      const parent = byId.get(span.parentSpanId);
      return parent ? [parent, ...ancestors(parent)] : [];
    };
    const server = sink.spans.find(
      (s) =>
        inTrace(s) &&
        s.service === 'ai-visitor-api' &&
        s.kind === 2 &&
        s.scope === '@opentelemetry/instrumentation-http' &&
        s.parentSpanId === '',
    );
    expect(server).toBeDefined();
    expect(String(server!.attributes['http.route'] ?? server!.attributes['url.path'] ?? server!.name)).toContain(
      'callbacks/robot-call',
    );
    expect(
      sink.spans.some(
        (s) => inTrace(s) && s.scope === '@opentelemetry/instrumentation-nestjs-core' && s.service === 'ai-visitor-api',
      ),
    ).toBe(true);
    expect(ancestors(ingest)).toContainEqual(server);
    // A push is linked to its transaction (several, when coalesced, all are).
    expect(ingest.links.map((l) => l.traceId)).toContain(traceId);
    if (db.kind === 'mysql') {
      const statements = sink.spans.filter(
        (s) => inTrace(s) && s.scope === '@opentelemetry/instrumentation-mysql2' && ancestors(s).includes(ingest),
      );
      expect(statements.length).toBeGreaterThan(0);
      // Statements as written: no value of the push in them.
      expect(statements.map((s) => String(s.attributes['db.query.text'] ?? s.attributes['db.statement']))).toEqual(
        statements.map(() => expect.not.stringContaining(String(campaign.records![0].record_id))),
      );
    }
    // The delivery continues the push's trace, in the worker: the event row carried it across.
    expect(ancestors(delivery)).toContainEqual(ingest);
    expect(delivery.kind).toBe(5);

    // The webhook's POST carries the trace, as docs/webhooks.md says: the delivery's span is the POST's (no client
    // span of its own), with the answer's status on it.
    expect(delivered.headers.traceparent).toBe(`00-${traceId}-${delivery.spanId}-01`);
    expect(delivery.attributes['http.response.status_code']).toEqual(expect.any(Number));
    // And the API's log lines of the push carry its ids (the access line, once written out).
    const logged = () =>
      api
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{') && l.endsWith('}'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.trace_id === traceId);
    expect(await waitFor('a log line of the push with its trace id', 30_000, logged)).toMatchObject({
      trace_id: traceId,
      span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
  }, 180_000);
});
