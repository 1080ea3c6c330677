'use strict';
/**
 * One worker process for the delivery section: boots the compiled WorkerModule (an application context, no cron,
 * the app's pino logger), then, on each `go` from the bench, runs the events relay (RunRelayRound) as the worker's
 * EventsRelayLoop runs it (the next round at once after a round that found work, EVENTS_RELAY_INTERVAL_MS after
 * an idle one) until the bench says `stop`, and reports. Booted once and reused across repetitions, so boot time
 * stays out of the measurement.
 *
 * IPC in:  { type: 'go' } | { type: 'stop' } | { type: 'exit' }
 * IPC out: { type: 'ready', bootMs } | { type: 'done', rounds, claimed, unrecorded, cpuMs } | { type: 'failed', message }
 */
require('reflect-metadata');
const { join } = require('path');

const build = process.env.BENCH_BUILD_DIR;
const { NestFactory } = require('@nestjs/core');
const { Logger } = require('nestjs-pino');
const { WorkerModule } = require(join(build, 'apps/worker/src/worker.module'));
const { RunRelayRound, eventsConfig } = require(join(build, 'libs/events/src'));

const send = (message) => process.send && process.send(message);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let stopRequested = false;
let running = false;

async function relayUntilStopped(app) {
  const relay = app.get(RunRelayRound, { strict: false });
  const { relayIntervalMs } = app.get(eventsConfig.KEY, { strict: false });
  const cpuAtGo = process.cpuUsage();
  let rounds = 0;
  let claimed = 0;
  let unrecorded = 0;
  while (!stopRequested) {
    const summary = await relay.execute();
    rounds++;
    claimed += summary.claimed;
    unrecorded += summary.unrecorded;
    const busy = summary.sequenced > 0 || summary.fannedOut > 0 || summary.claimed > 0;
    if (!busy) await sleep(relayIntervalMs);
  }
  const cpu = process.cpuUsage(cpuAtGo);
  return { type: 'done', rounds, claimed, unrecorded, cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
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
      relayUntilStopped(app)
        .then(send, (error) => send({ type: 'failed', message: String(error && error.stack ? error.stack : error) }))
        .finally(() => (running = false));
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', bootMs: Date.now() - t0 });
}

main().catch((error) => {
  send({ type: 'failed', message: String(error && error.stack ? error.stack : error) });
  process.exit(1);
});
