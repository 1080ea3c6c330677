'use strict';
/**
 * What the bench's worker children share: boots the compiled WorkerModule as `main.js --once` does (an application
 * context, no cron, the app's pino logger) and serves the bench's IPC. On `go` it runs `work(app, message, stopped)`
 * (one run at a time) and sends what it resolves to; `stop` makes `stopped()` true; `exit` waits for the run, closes
 * the app and exits.
 *
 * IPC in:  { type: 'go', ... } | { type: 'stop' } | { type: 'exit' }
 * IPC out: { type: 'ready', bootMs, ...ready(app) } | what `work` resolves to | { type: 'failed', message }
 */
require('reflect-metadata');
const { join } = require('path');

const build = process.env.BENCH_BUILD_DIR;
const { NestFactory } = require('@nestjs/core');
const { Logger } = require('nestjs-pino');
const { WorkerModule } = require(join(build, 'apps/worker/src/worker.module'));

const send = (message) => process.send && process.send(message);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const failure = (error) => ({ type: 'failed', message: String(error && error.stack ? error.stack : error) });

function serveWorker({ work, ready = () => ({}) }) {
  let stopRequested = false;
  let running = false;
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
        work(app, message, () => stopRequested)
          .then(send, (error) => send(failure(error)))
          .finally(() => (running = false));
      }
    });
    process.on('disconnect', () => process.exit(0));
    send({ type: 'ready', bootMs: Date.now() - t0, ...ready(app) });
  }
  main().catch((error) => {
    send(failure(error));
    process.exit(1);
  });
}

module.exports = { build, serveWorker, sleep };
