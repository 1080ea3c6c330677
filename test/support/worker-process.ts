/**
 * The worker as its own OS process, for the suites that kill workers or run several (test/support/worker-child.ts
 * spawns it; it runs the TypeScript sources through ts-node, so no build is needed). It boots the real
 * WorkerModule (as `main.js --once` does), says `ready`, and on `go` runs sync passes back to back until no
 * task is left to sync (status 2, 3 or 4) or AIV_WORKER_MAX_MS passes, then reports `done` and exits 0.
 * With AIV_FAILPOINT set it dies at that point instead, by SIGKILL (see libs/core/src/failpoints).
 * With AIV_WORKER_JOB=relay it runs events relay rounds instead (RunRelayRound), until no webhook delivery is left
 * pending and every event is fanned out.
 *
 * For the assertions it records when each task's sync ran in this process (`SyncTask.execute`, wall-clock
 * milliseconds with sub-millisecond precision): instrumentation of the real code path, nothing replaced.
 */
import 'reflect-metadata';
import { performance } from 'perf_hooks';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { RunSyncPass } from '@app/task';
import { RunRelayRound } from '@app/events';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { DbValue } from './db-rows';

export interface SyncInterval {
  taskId: string;
  pid: number;
  start: number;
  end: number;
}

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'done'; passes: number; intervals: SyncInterval[]; left: number; unrecorded?: number }
  | { type: 'failed'; message: string };

/**
 * Resolves once the message is written to the IPC channel: `process.send` is asynchronous, and a `process.exit`
 * right after it drops the message (measured: a 2 MB report never arrived without waiting; worker-child.ts
 * also waits for the channel's 'close', not 'exit', on its side).
 */
const send = (message: ChildMessage) =>
  new Promise<void>((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
const wallClock = () => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot({ scheduled: false }), {
    logger: ['error'],
  });
  const dataSource = app.get(DataSource);
  const pass = app.get(RunSyncPass);
  // The pass's own one-task sync, reached for a test hook (the engine's internals are not exported).
  type TaskSync = { execute(command: { taskId: string }): Promise<unknown> };
  const syncTask = (pass as unknown as { syncTask: TaskSync }).syncTask;
  const intervals: SyncInterval[] = [];
  const execute = syncTask.execute.bind(syncTask);
  syncTask.execute = async (...args: Parameters<TaskSync['execute']>) => {
    const [{ taskId }] = args;
    const start = wallClock();
    try {
      return await execute(...args);
    } finally {
      intervals.push({ taskId: String(taskId), pid: process.pid, start, end: wallClock() });
    }
  };

  await new Promise<void>((resolve) => {
    process.on('message', (message: { type?: string }) => message?.type === 'go' && resolve());
    void send({ type: 'ready' });
  });

  const deadline = Date.now() + Number(process.env.AIV_WORKER_MAX_MS ?? 60_000);
  let passes = 0;
  let left = -1;
  if (process.env.AIV_WORKER_JOB === 'relay') {
    const round = app.get(RunRelayRound);
    let unrecorded = 0;
    while (Date.now() < deadline) {
      unrecorded += (await round.execute()).unrecorded;
      passes++;
      const [{ n }] = await dataSource.query<{ n: DbValue }[]>(
        `SELECT (SELECT COUNT(*) FROM ai_visitor_webhook_delivery WHERE status = 0)
              + (SELECT COUNT(*) FROM ai_visitor_event WHERE position IS NULL OR position > (SELECT position FROM ai_visitor_event_cursor WHERE name = 'fanout')) AS n`,
      );
      left = Number(n);
      if (left === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await send({ type: 'done', passes, intervals, left, unrecorded });
    await app.close();
    process.exit(0);
  }
  while (Date.now() < deadline) {
    await pass.execute();
    passes++;
    const [{ n }] = await dataSource.query<{ n: DbValue }[]>(
      'SELECT COUNT(*) AS n FROM ai_visitor_task WHERE status IN (2, 3, 4)',
    );
    left = Number(n);
    if (left === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await send({ type: 'done', passes, intervals, left });
  await app.close();
  process.exit(0);
}

main().catch(async (error: Error) => {
  await send({ type: 'failed', message: error.stack ?? error.message });
  process.exit(1);
});
