import { createHmac } from 'crypto';
import { Server } from 'node:http';
import { INestApplication } from '@nestjs/common';
import { Test, TestingModule, TestingModuleBuilder } from '@nestjs/testing';
import { Clock } from '@app/core';
import request from 'supertest';
import { EdgePassSummary, RunEdgePass, RunSyncPass, SyncPassSummary } from '@app/task';
import { RelayRoundSummary, RunRelayRound } from '@app/events';
import { ApiModule } from '../../apps/api/src/api.module';
import { configureApi } from '../../apps/api/src/bootstrap';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { startSimulator } from '../../apps/robot-call-simulator/src';
import { TEST_PHONE_KEYS } from './phone-keys';
import { createTestDatabase, TestDatabase } from './test-database';
import { DEFAULT_TEST_LOG_LEVEL, nestLogLevels } from './test-log-level';
import { checkedClient, ContractValidator, OpenApiDocument, reportCoverage } from './contract';
import { bodyOf } from './api-types';

export const SERVICE_TOKEN = 'test-service-token-0123456789';
export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const SIMULATOR_KEY = 'test-robot-key';
export const CALLBACK_SECRET = 'test-callback-secret-0123';

/** Real time moved by an offset the test sets: the service sees a chosen hour while the simulator runs for real. */
export class ShiftedClock extends Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  set(at: Date): void {
    this.offsetMs = at.getTime() - Date.now();
  }
}

type SimulatorHandle = Awaited<ReturnType<typeof startSimulator>>;
type SimulatorOverrides = Parameters<typeof startSimulator>[0];

export interface Harness {
  /**
   * supertest against the real API module over its HTTP server. Every response is checked against the OpenAPI
   * document the API serves (test/support/contract.ts): one the document does not describe fails the request.
   */
  http: () => ReturnType<typeof request>;
  /** The served document as a validator; `checked` counts the responses it has checked. */
  contract: ContractValidator;
  api: INestApplication;
  worker: TestingModule;
  simulator: SimulatorHandle;
  db: TestDatabase;
  /** One sync pass, as the worker's cron would run it. */
  sync(): Promise<SyncPassSummary>;
  /** One edge check (window and BOT edges), as the worker's every-minute cron would run it. */
  edges(): Promise<EdgePassSummary>;
  /** One round of the events relay (sequence, fan out, deliver webhooks), as the worker's loop would run it. */
  relay(): Promise<RelayRoundSummary>;
  /** Another worker (its own module, connections and lease owner), as a second worker process would be. */
  addWorker(): Promise<TestingModule>;
  close(): Promise<void>;
}

/**
 * Boots what production runs, in one process for speed: the robot-call simulator on a real port, the API
 * module on a real HTTP server, the worker module, all on a fresh migrated database (on the suite's server, or on
 * `databaseServer`, a MySQL URL). The worker's crons never fire and its relay loop runs only with `relayLoop`:
 * tests run passes and relay rounds themselves (`sync()`, `relay()`).
 */
export async function startHarness(
  options: {
    simulator?: SimulatorOverrides;
    env?: Record<string, string>;
    clock?: Clock;
    databaseServer?: string;
    relayLoop?: boolean;
  } = {},
): Promise<Harness> {
  const db = await createTestDatabase({ server: options.databaseServer });
  const simulator = await startSimulator({ apiKey: SIMULATOR_KEY, callMs: 5, parallelism: 20, ...options.simulator });
  Object.assign(process.env, {
    ...db.env,
    ROBOT_CALL_BASE_URL: simulator.baseUrl,
    ROBOT_CALL_API_KEY: SIMULATOR_KEY,
    ROBOT_CALL_TIMEOUT_MS: '2000',
    ROBOT_CALL_RETRIES: '2',
    ROBOT_CALL_CALLBACK_SECRET: CALLBACK_SECRET,
    SERVICE_TOKEN,
    ADMIN_TOKEN,
    ...TEST_PHONE_KEYS,
    SYNC_CRON: '0 0 1 1 *',
    SYNC_EDGE_CRON: '0 0 1 1 *',
    // The events' housekeeping runs when a test calls it, never on the wall clock mid-test.
    BOT_EXPIRY_CRON: '0 0 1 1 *',
    EVENTS_PURGE_CRON: '0 0 1 1 *',
    LOG_LEVEL: process.env.LOG_LEVEL || DEFAULT_TEST_LOG_LEVEL,
    // Callbacks of "inconvenient now" at the window's next opening (the window is always open in most tests).
    INCONVENIENT_CALLBACK_DAYS: '0',
    // Rate limiting has its own test; elsewhere it must not get in the way of concurrency tests.
    THROTTLE_LIMIT: '1000000',
    ...options.env,
  });

  const withClock = (builder: TestingModuleBuilder) =>
    options.clock ? builder.overrideProvider(Clock).useValue(options.clock) : builder;
  const apiModule = await withClock(Test.createTestingModule({ imports: [ApiModule.forRoot()] })).compile();
  const api = configureApi(apiModule.createNestApplication({ bodyParser: false, logger: nestLogLevels() }));
  await api.init();
  const contract = new ContractValidator(
    bodyOf<OpenApiDocument>(
      await request(api.getHttpServer() as Server)
        .get('/docs-json')
        .expect(200),
    ),
  );
  const violations: Error[] = [];

  const worker = await withClock(
    Test.createTestingModule({
      imports: [WorkerModule.forRoot({ scheduled: true, relay: options.relayLoop ?? false })],
    }),
  ).compile();
  worker.useLogger(nestLogLevels());
  await worker.init();

  const extraWorkers: TestingModule[] = [];
  return {
    addWorker: async () => {
      const extra = await withClock(
        Test.createTestingModule({ imports: [WorkerModule.forRoot({ scheduled: false })] }),
      ).compile();
      extra.useLogger(nestLogLevels());
      await extra.init();
      extraWorkers.push(extra);
      return extra;
    },
    http: checkedClient(api.getHttpServer() as Server, () => contract, violations),
    contract,
    api,
    worker,
    simulator,
    db,
    sync: () => worker.get(RunSyncPass).execute(),
    edges: () => worker.get(RunEdgePass).execute(),
    relay: () => worker.get(RunRelayRound).execute(),
    close: async () => {
      reportCoverage(contract);
      await api.close();
      await worker.close();
      for (const extra of extraWorkers) await extra.close();
      await simulator.close();
      await db.drop();
      // A response that broke the document fails the suite even where a test caught the request's error.
      if (violations.length) throw violations[0];
    },
  };
}

/** Headers of a recruiter account as the platform sends them. */
export function asAccount(firmId: number | string, accountId: number | string): Record<string, string> {
  return { Authorization: `Bearer ${SERVICE_TOKEN}`, 'X-Firm-Id': String(firmId), 'X-Account-Id': String(accountId) };
}

export function asAdmin(): Record<string, string> {
  return { Authorization: `Bearer ${ADMIN_TOKEN}` };
}

/** Headers of a push signed as the robot-call platform signs it (docs/api.md, "Outreach rules", pushed results). */
export function signedPushHeaders(body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'X-Robot-Timestamp': String(timestamp),
    'X-Robot-Signature': `sha256=${createHmac('sha256', CALLBACK_SECRET).update(`${timestamp}.${body}`).digest('hex')}`,
  };
}
