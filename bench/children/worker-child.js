'use strict';
/**
 * One worker process for the scale section: boots the compiled WorkerModule as `main.js --once` does (an
 * application context, no cron, the app's pino logger), then, on each `go` from the bench, runs sync passes
 * back to back through the worker's own WorkerJobRunner (its `sync` job) until no task is left to finish, and reports.
 * Booted once and reused across repetitions, so boot time stays out of the measurement.
 *
 * IPC in:  { type: 'go', maxPasses, maxMs } | { type: 'stop' } | { type: 'exit' }
 * IPC out: { type: 'ready', bootMs } | { type: 'done', ... } | { type: 'failed', message }
 */
require('reflect-metadata');
const { join } = require('path');

const build = process.env.BENCH_BUILD_DIR;
const { NestFactory } = require('@nestjs/core');
const { Logger } = require('nestjs-pino');
const { DataSource } = require('typeorm');
const { WorkerModule } = require(join(build, 'apps/worker/src/worker.module'));
const { WorkerJobRunner } = require(join(build, 'apps/worker/src/worker-job.runner'));

const send = (message) => process.send && process.send(message);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let stopRequested = false;
let running = false;

async function remaining(dataSource) {
  const rows = await dataSource.query('SELECT COUNT(*) AS n FROM ai_visitor_task WHERE status NOT IN (5, 6)');
  return Number(rows[0].n);
}

async function syncUntilDone(app, { maxPasses, maxMs }) {
  const runner = app.get(WorkerJobRunner);
  const dataSource = app.get(DataSource);
  const goAt = Date.now();
  const cpuAtGo = process.cpuUsage();
  const passes = [];
  let left = -1;
  let outcome = 'completed';
  for (;;) {
    if (stopRequested) {
      outcome = 'stopped';
      break;
    }
    if (passes.length >= maxPasses || Date.now() - goAt > maxMs) {
      outcome = 'bounded';
      break;
    }
    const t0 = Date.now();
    const summary = await runner.run('sync');
    passes.push({
      ms: Date.now() - t0,
      tasks: summary ? summary.tasks : 0,
      failed: summary ? summary.failed : -1,
      stored: summary ? summary.recordsStored : 0,
      completed: summary ? summary.completed : 0,
    });
    left = await remaining(dataSource);
    if (left === 0) break;
    // Nothing moved: give the platform a moment to dial before the next pass.
    if (!summary || (summary.recordsStored === 0 && summary.completed === 0)) await sleep(20);
  }
  const usage = process.resourceUsage();
  const cpu = process.cpuUsage(cpuAtGo);
  return {
    type: 'done',
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    outcome,
    goAt,
    doneAt: Date.now(),
    left,
    passes,
    maxRssKb: usage.maxRSS,
    rssBytes: process.memoryUsage().rss,
    heapUsedBytes: process.memoryUsage().heapUsed,
  };
}

async function main() {
  const t0 = Date.now();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot({ scheduled: false }), {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  process.on('message', (message) => {
    if (message.type === 'stop') stopRequested = true;
    if (message.type === 'exit') {
      stopRequested = true;
      const close = async () => {
        while (running) await sleep(20);
        await app.close();
        process.exit(0);
      };
      void close();
    }
    if (message.type === 'go' && !running) {
      running = true;
      stopRequested = false;
      syncUntilDone(app, message)
        .then(send, (error) => send({ type: 'failed', message: String(error && error.stack ? error.stack : error) }))
        .finally(() => (running = false));
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', bootMs: Date.now() - t0, maxRssKb: process.resourceUsage().maxRSS });
}

main().catch((error) => {
  send({ type: 'failed', message: String(error && error.stack ? error.stack : error) });
  process.exit(1);
});
