import { INestApplication } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { Logger } from 'nestjs-pino';
import { Server } from 'node:http';
import { Writable } from 'node:stream';
import request from 'supertest';
import { configureOperationalHttp, LOG_DESTINATION } from '@app/observability';
import { ApiModule } from '../../apps/api/src/api.module';
import { configureApi } from '../../apps/api/src/bootstrap';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { RunningSimulator, startSimulator } from '../../apps/robot-call-simulator/src';
import { TEST_PHONE_KEYS } from '../support/phone-keys';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { checkedClient, ContractValidator, OpenApiDocument, reportCoverage } from '../support/contract';
import { bodyOf, CreateTaskResponse, parseAs, typed } from '../support/api-types';

/**
 * A small stack for the operations suites, built like main.ts builds the apps (pino as Nest's logger,
 * configureApi / configureOperationalHttp), with every JSON log line captured instead of printed.
 * Separate from test/support/harness.ts, which builds the apps with Nest's console logger.
 */

export const SERVICE_TOKEN = 'ops-service-token-0123456789';
export const ADMIN_TOKEN = 'ops-admin-token-0123456789';
export const SIMULATOR_KEY = 'ops-robot-key';
export const CALLBACK_SECRET = 'ops-callback-secret-0123';

/** One of pino's JSON lines, with the fields the suites read by name. */
export interface LogLine {
  level?: string;
  msg?: string;
  context?: string;
  taskId?: string;
  requestId?: string;
  req?: { url?: string; headers?: Record<string, string> };
  res?: { statusCode?: number };
  [field: string]: unknown;
}

/** Collects pino's JSON lines. */
export class LogCapture extends Writable {
  readonly lines: LogLine[] = [];
  readonly raw: string[] = [];

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      this.raw.push(line);
      this.lines.push(parseAs<LogLine>(line));
    }
    done();
  }

  clear(): void {
    this.lines.length = 0;
    this.raw.length = 0;
  }
}

export interface OpsStack {
  db: TestDatabase;
  simulator: RunningSimulator;
  logs: LogCapture;
  api: INestApplication;
  /** supertest, every response checked against the served OpenAPI document (test/support/contract.ts). */
  http: () => ReturnType<typeof request>;
  contract: ContractValidator;
  /** Closes what is still open (apps, simulator) and drops the database. */
  close(): Promise<void>;
}

/** The environment both apps read; call before creating an app (ConfigModule reads it then). */
export function setEnv(db: TestDatabase, simulator: RunningSimulator, env: Record<string, string> = {}): void {
  Object.assign(process.env, {
    ...db.env,
    ROBOT_CALL_BASE_URL: simulator.baseUrl,
    ROBOT_CALL_API_KEY: SIMULATOR_KEY,
    ROBOT_CALL_TIMEOUT_MS: '2000',
    ROBOT_CALL_RETRIES: '1',
    ROBOT_CALL_RETRY_BASE_DELAY_MS: '5',
    // Required with a DATABASE_URL (the MySQL run), like the phone keys.
    ROBOT_CALL_CALLBACK_SECRET: CALLBACK_SECRET,
    SERVICE_TOKEN,
    ADMIN_TOKEN,
    ...TEST_PHONE_KEYS,
    SYNC_CRON: '0 0 1 1 *',
    SYNC_EDGE_CRON: '0 0 1 1 *',
    // Captured, not printed: the level only decides what the assertions can see.
    LOG_LEVEL: 'debug',
    ...env,
  });
}

async function compile(
  module: Parameters<typeof Test.createTestingModule>[0]['imports'],
  logs: LogCapture,
): Promise<TestingModule> {
  return Test.createTestingModule({ imports: module }).overrideProvider(LOG_DESTINATION).useValue(logs).compile();
}

/** The API as main.ts runs it, on a real HTTP server (not listening: supertest binds it). */
export async function createApi(logs: LogCapture): Promise<INestApplication<Server>> {
  const moduleRef = await compile([ApiModule.forRoot()], logs);
  const app = moduleRef.createNestApplication<INestApplication<Server>>({ bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(Logger));
  configureApi(app);
  await app.init();
  return app;
}

/** The worker as main.ts runs it: an HTTP app for probes and metrics (not listening: supertest binds it). */
export async function createWorkerHttp(logs: LogCapture): Promise<INestApplication<Server>> {
  const moduleRef = await compile([WorkerModule.forRoot({ scheduled: true })], logs);
  const app = moduleRef.createNestApplication<INestApplication<Server>>({ bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(Logger));
  configureOperationalHttp(app);
  await app.init();
  return app;
}

/** The worker as the harness runs it: an application context, no HTTP. */
export async function createWorkerContext(logs: LogCapture): Promise<TestingModule> {
  const moduleRef = await compile([WorkerModule.forRoot({ scheduled: true })], logs);
  moduleRef.useLogger(moduleRef.get(Logger));
  await moduleRef.init();
  return moduleRef;
}

export async function startOpsStack(
  options: { simulator?: Parameters<typeof startSimulator>[0]; env?: Record<string, string> } = {},
): Promise<OpsStack> {
  const db = await createTestDatabase();
  // Before any app: the simulator's own Nest logger settings must not override ours.
  const simulator = await startSimulator({ apiKey: SIMULATOR_KEY, callMs: 5, parallelism: 20, ...options.simulator });
  setEnv(db, simulator, options.env);
  const logs = new LogCapture();
  const api = await createApi(logs);
  const contract = new ContractValidator(
    bodyOf<OpenApiDocument>(await request(api.getHttpServer()).get('/docs-json').expect(200)),
  );
  const violations: Error[] = [];
  let closed = false;
  return {
    db,
    simulator,
    logs,
    api,
    http: checkedClient(api.getHttpServer(), () => contract, violations),
    contract,
    close: async () => {
      if (closed) return;
      closed = true;
      reportCoverage(contract);
      await api.close();
      await simulator.close().catch(() => undefined);
      await db.drop();
      if (violations.length) throw violations[0];
    },
  };
}

export function asAccount(firmId: number, accountId: number): Record<string, string> {
  return { Authorization: `Bearer ${SERVICE_TOKEN}`, 'X-Firm-Id': String(firmId), 'X-Account-Id': String(accountId) };
}

export function asAdmin(): Record<string, string> {
  return { Authorization: `Bearer ${ADMIN_TOKEN}` };
}

/** A call window that is always open, so the suites do not depend on the hour they run at. */
export const ALWAYS_OPEN = { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7], timeZone: 'Asia/Shanghai' };

let nextMobile = 1;

/** Numbers never used before in this file (a firm does not call a number twice within its cooling period). */
export function freshMobiles(count: number): { phone: string }[] {
  const start = nextMobile;
  nextMobile += count;
  return mobiles(count, start);
}

/** Creates a task (always-open call window, fresh numbers) and returns its id. */
export async function createdTask(
  stack: Pick<OpsStack, 'http'>,
  firmId: number,
  accountId: number,
  count = 1,
): Promise<string> {
  const created = typed<CreateTaskResponse>(
    await stack
      .http()
      .post('/v1/tasks')
      .set(asAccount(firmId, accountId))
      .send({
        name: 'ops',
        scriptId: 'recruit-v1',
        contacts: freshMobiles(count),
        retryGapMinutes: 0,
        callWindow: ALWAYS_OPEN,
      })
      .expect(201),
  );
  return created.body.task.id;
}

/** Distinct valid Chinese mobiles. */
export function mobiles(count: number, start = 1): { phone: string }[] {
  return Array.from({ length: count }, (_, i) => ({ phone: `137${String(start + i).padStart(8, '0')}` }));
}

export async function grantBot(stack: Pick<OpsStack, 'http'>, firmId: number): Promise<void> {
  await stack
    .http()
    .put(`/v1/admin/firms/${firmId}/bot`)
    .set(asAdmin())
    .send({ isOpenBot: true, botExpireAt: new Date(Date.now() + 86_400_000).toISOString(), botTaskNum: 1000 })
    .expect(200);
}

/** Grants the firm's BOT, creates a task with `count` contacts and starts it; returns its id. */
export async function startedTask(
  stack: Pick<OpsStack, 'http'>,
  firmId: number,
  accountId: number,
  count = 5,
): Promise<string> {
  await grantBot(stack, firmId);
  const taskId = await createdTask(stack, firmId, accountId, count);
  await stack.http().post(`/v1/tasks/${taskId}/start`).set(asAccount(firmId, accountId)).expect(200);
  return taskId;
}

/** The value of one sample of Prometheus text output, e.g. `sample(text, 'aiv_sync_passes_total', { outcome: 'ok' })`. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
