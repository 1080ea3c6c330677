import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { BootLogger, configureOperationalHttp, exitAfterBootFailure } from '@app/observability';
import { WorkerModule } from './worker.module';
import { SyncPassRunner } from './sync-pass.runner';
import { WorkerConfig, workerConfig } from './config/worker-env';

// JSON lines from the first one: Nest's own start-up lines, and a configuration that fails validation.
const bootLogger = new BootLogger('ai-visitor-worker');

/**
 * `node main.js` runs the scheduled sync and the events relay (webhooks), with `/health/live`, `/health/ready`
 * and `/metrics` on WORKER_PORT, until SIGTERM/SIGINT: the cron and the relay loop stop, a pass or relay round in
 * progress finishes (bounded by SHUTDOWN_TIMEOUT_MS), then the process exits 0. `node main.js --once` runs one
 * sync pass and exits (0 when every task synced, 2 when some failed: the pass itself still went through all of
 * them; nothing listens; no relay).
 */
async function bootstrap(): Promise<void> {
  if (process.argv.includes('--once')) return runOnce();
  const app = await NestFactory.create(WorkerModule.forRoot({ scheduled: true, relay: true }), { bodyParser: false, bufferLogs: true, logger: bootLogger });
  app.useLogger(app.get(Logger));
  configureOperationalHttp(app);
  const { port } = app.get<WorkerConfig>(workerConfig.KEY);
  await app.listen(port);
  app.get(Logger).log(`AI Visitor worker started; probes and metrics on port ${port}`, 'Worker');
}

async function runOnce(): Promise<void> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot({ scheduled: false }), { bufferLogs: true, logger: bootLogger });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  const summary = await app.get(SyncPassRunner).run();
  await app.close();
  process.exit(summary === null ? 1 : summary.failed > 0 ? 2 : 0);
}

bootstrap().catch((error: unknown) => exitAfterBootFailure(bootLogger, 'Worker', error));
