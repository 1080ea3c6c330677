// First: tracing starts (when configured) before what it instruments is loaded.
import './tracing';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { BootLogger, configureOperationalHttp, exitAfterBootFailure } from '@app/observability';
import { WorkerModule } from './worker.module';
import { WorkerJobRunner } from './worker-job.runner';
import { WORKER_JOB_NAMES, WorkerJobName } from './worker-jobs';
import { WorkerConfig, workerConfig } from './config/worker-env';

// JSON lines from the first one: Nest's own start-up lines, and a configuration that fails validation.
const bootLogger = new BootLogger('ai-visitor-worker');

/**
 * `node main.js` runs the worker's jobs on their crons (WorkerJobs: the sync, the minute check, the BOT expiry
 * notices, the events' housekeeping) and the events relay (webhooks), with `/health/live`, `/health/ready` and
 * `/metrics` on WORKER_PORT, until SIGTERM/SIGINT: the crons and the relay loop stop, a job run or relay round in
 * progress finishes (bounded by SHUTDOWN_TIMEOUT_MS), then the process exits 0. `node main.js --once [job]` runs one
 * job once (`sync` by default; any name of WORKER_JOB_NAMES) and exits: 0, or 2 when a sync pass went through every
 * task but some failed, 1 when the job failed; nothing listens; no relay.
 */
async function bootstrap(): Promise<void> {
  if (process.argv.includes('--once')) return runOnce();
  const app = await NestFactory.create(WorkerModule.forRoot({ scheduled: true, relay: true }), {
    bodyParser: false,
    bufferLogs: true,
    logger: bootLogger,
  });
  app.useLogger(app.get(Logger));
  configureOperationalHttp(app);
  const { port } = app.get<WorkerConfig>(workerConfig.KEY);
  await app.listen(port);
  app.get(Logger).log(`AI Visitor worker started; probes and metrics on port ${port}`, 'Worker');
}

/** The job `--once` names (the word after it, if it is a job's name), else the sync pass. */
function onceJob(): WorkerJobName {
  const next = process.argv[process.argv.indexOf('--once') + 1];
  if (next === undefined || next.startsWith('-')) return 'sync';
  if ((WORKER_JOB_NAMES as readonly string[]).includes(next)) return next as WorkerJobName;
  process.stderr.write(`--once ${next}: not a job (${WORKER_JOB_NAMES.join(', ')})\n`);
  process.exit(64);
}

async function runOnce(): Promise<void> {
  const name = onceJob();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot({ scheduled: false }), {
    bufferLogs: true,
    logger: bootLogger,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  const runner = app.get(WorkerJobRunner);
  const summary = await runner.run(name);
  await app.close();
  process.exit(runner.exitCode(name, summary));
}

bootstrap().catch((error: unknown) => exitAfterBootFailure(bootLogger, 'Worker', error));
