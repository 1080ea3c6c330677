import { INestApplication } from '@nestjs/common';
import { TestingModule } from '@nestjs/testing';
import { Server } from 'node:http';
import request from 'supertest';
import { SimulatorHttp } from '../apps/robot-call-simulator/src/test/simulator-http';
import { SyncScheduler } from '../apps/worker/src/sync.scheduler';
import { WorkerJobRunner } from '../apps/worker/src/worker-job.runner';
import {
  createWorkerContext,
  createWorkerHttp,
  OpsStack,
  sample,
  setEnv,
  sleep,
  startedTask,
  startOpsStack,
} from './operations/ops-stack';
import { HealthResponse, typed } from './support/api-types';

const FIRM = 9301;
const ACCOUNT = 9401;

describe('worker operations: probes, metrics, task-scoped logs, graceful shutdown', () => {
  let stack: OpsStack;
  let simulator: SimulatorHttp;

  beforeAll(async () => {
    stack = await startOpsStack();
    simulator = SimulatorHttp.of(stack.simulator);
  });

  afterEach(async () => {
    await simulator.setFaults({ errorRate: 0, delayMs: 0 });
  });

  afterAll(async () => {
    await stack?.close();
  });

  describe('as an HTTP app (main.ts): probes and metrics only', () => {
    let worker: INestApplication<Server>;

    beforeAll(async () => {
      worker = await createWorkerHttp(stack.logs);
    });

    afterAll(async () => {
      await worker?.close();
    });

    it('answers /health/live and /health/ready (the database, with the robot-call platform reported)', async () => {
      await request(worker.getHttpServer()).get('/health/live').expect(200);
      const ready = typed<HealthResponse>(await request(worker.getHttpServer()).get('/health/ready').expect(200));
      expect(ready.body.details).toEqual({
        database: { status: 'up' },
        robotCall: expect.objectContaining({ status: 'up' }),
      });
    });

    it('serves /metrics, where a sync pass shows', async () => {
      const passes = async () =>
        sample((await request(worker.getHttpServer()).get('/metrics').expect(200)).text, 'aiv_sync_task_runs_total', {
          outcome: 'failed',
        }) ?? 0;
      await startedTask(stack, FIRM, ACCOUNT, 3);
      const before = await passes();
      await simulator.setFaults({ errorRate: 1 });

      await worker.get(SyncScheduler).tick();

      expect(await passes()).toBeGreaterThan(before);
    });

    it('has no business routes', async () => {
      const res = await request(worker.getHttpServer()).get('/v1/tasks').expect(404);
      expect(res.headers['x-request-id']).toBeTruthy();
      await request(worker.getHttpServer()).get('/tasks').expect(404);
      await request(worker.getHttpServer()).get('/docs-json').expect(404);
    });
  });

  describe('as an application context (tests, --once)', () => {
    let worker: TestingModule;

    beforeEach(async () => {
      worker = await createWorkerContext(stack.logs);
    });

    afterEach(async () => {
      await worker.close();
    });

    it('every log line of one task’s sync carries that task’s id', async () => {
      const first = await startedTask(stack, FIRM, ACCOUNT, 2);
      const second = await startedTask(stack, FIRM, ACCOUNT, 2);
      await simulator.setFaults({ errorRate: 1 });
      stack.logs.clear();

      const summary = await worker.get(WorkerJobRunner).run('sync');

      expect(summary).toMatchObject({ failed: expect.any(Number) });
      const syncLines = stack.logs.lines.filter((l) =>
        (['RunSyncPass', 'CampaignGateway', 'SyncTask', 'CampaignLauncher'] as (string | undefined)[]).includes(
          l.context,
        ),
      );
      const failures = syncLines.filter((l) => /^sync of task \d+ failed/.test(String(l.msg)));
      expect(failures.map((l) => l.taskId).sort()).toEqual(expect.arrayContaining([first, second].sort()));
      for (const line of failures) expect(line.msg).toContain(`sync of task ${line.taskId} failed`);
      // Retries of the gateway client, written deep in axios-retry's callback, still name their task.
      const retries = syncLines.filter((l) => l.context === 'CampaignGateway');
      expect(retries.length).toBeGreaterThan(0);
      expect(syncLines.every((l) => typeof l.taskId === 'string')).toBe(true);
      // The pass's own summary is not about one task.
      expect(stack.logs.lines.find((l) => l.msg === 'sync pass finished')).not.toHaveProperty('taskId');
    });

    it('on close (what SIGTERM triggers), a sync pass in progress finishes first, then the app closes', async () => {
      await startedTask(stack, FIRM, ACCOUNT, 3);
      await simulator.setFaults({ delayMs: 400 });
      const events: string[] = [];

      const pass = worker
        .get(WorkerJobRunner)
        .run('sync')
        .then((summary) => {
          events.push('pass finished');
          return summary;
        });
      await sleep(150); // the pass is now waiting on a delayed robot-call answer
      await worker.close().then(() => events.push('closed'));
      const summary = await pass;

      expect(events).toEqual(['pass finished', 'closed']);
      expect(summary).toMatchObject({ failed: 0 });
      expect((summary as { tasks: number }).tasks).toBeGreaterThan(0);
      // Once closing, no new pass starts.
      expect(await worker.get(WorkerJobRunner).run('sync')).toBeNull();
      worker = await createWorkerContext(stack.logs); // for afterEach
    });

    it('the wait is bounded by SHUTDOWN_TIMEOUT_MS', async () => {
      await worker.close();
      setEnv(stack.db, stack.simulator, { SHUTDOWN_TIMEOUT_MS: '200' });
      worker = await createWorkerContext(stack.logs);
      await startedTask(stack, FIRM, ACCOUNT, 3);
      await simulator.setFaults({ delayMs: 1500 });
      const events: string[] = [];

      const pass = worker
        .get(WorkerJobRunner)
        .run('sync')
        .then(() => events.push('pass finished'));
      await sleep(100);
      const closing = Date.now();
      await worker.close().then(() => events.push('closed'));
      const closedAfter = Date.now() - closing;
      await pass;

      expect(events).toEqual(['closed', 'pass finished']);
      expect(closedAfter).toBeGreaterThanOrEqual(150);
      expect(closedAfter).toBeLessThan(1200);
      setEnv(stack.db, stack.simulator, { SHUTDOWN_TIMEOUT_MS: '25000' });
      worker = await createWorkerContext(stack.logs); // for afterEach
    });
  });
});
