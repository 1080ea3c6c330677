'use strict';
/**
 * One worker process for the scale section (booted by worker-host.js, once, reused across repetitions, so boot time
 * stays out of the measurement): on each `go` from the bench, runs sync passes back to back through the worker's own
 * WorkerJobRunner (its `sync` job) until no task is left to finish, and reports.
 *
 * IPC in:  { type: 'go', maxPasses, maxMs } | { type: 'stop' } | { type: 'exit' }
 * IPC out: { type: 'ready', bootMs } | { type: 'done', ... } | { type: 'failed', message }
 */
const { join } = require('path');
const { DataSource } = require('typeorm');
const { build, serveWorker, sleep } = require('./worker-host');

const { WorkerJobRunner } = require(join(build, 'apps/worker/src/worker-job.runner'));

async function remaining(dataSource) {
  const rows = await dataSource.query('SELECT COUNT(*) AS n FROM ai_visitor_task WHERE status NOT IN (5, 6)');
  return Number(rows[0].n);
}

async function syncUntilDone(app, { maxPasses, maxMs }, stopped) {
  const runner = app.get(WorkerJobRunner);
  const dataSource = app.get(DataSource);
  const goAt = Date.now();
  const cpuAtGo = process.cpuUsage();
  const passes = [];
  let left = -1;
  let outcome = 'completed';
  for (;;) {
    if (stopped()) {
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

serveWorker({ work: syncUntilDone, ready: () => ({ maxRssKb: process.resourceUsage().maxRSS }) });
