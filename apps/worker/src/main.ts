import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RunSyncPass } from '@app/task';
import { WorkerModule } from './worker.module';

/**
 * `node main.js` runs the scheduled sync until SIGTERM; `node main.js --once` runs one pass and exits
 * (0 when every task synced, 2 when some failed: the pass itself still went through all of them).
 */
async function bootstrap(): Promise<void> {
  const once = process.argv.includes('--once');
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot({ scheduled: !once }));
  const logger = new Logger('Worker');
  if (once) {
    const summary = await app.get(RunSyncPass).execute();
    logger.log(`sync pass: ${JSON.stringify(summary)}`);
    await app.close();
    process.exit(summary.failed > 0 ? 2 : 0);
  }
  app.enableShutdownHooks();
  logger.log('AI Visitor worker started');
}

bootstrap().catch((error: Error) => {
  console.error(`worker failed: ${error.message}`);
  process.exit(1);
});
