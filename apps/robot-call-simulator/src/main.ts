import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createSimulatorApp } from './simulator-app';
import { simulatorOptionsFromEnv } from './simulator.options';

async function bootstrap(): Promise<void> {
  const options = simulatorOptionsFromEnv();
  const app = await createSimulatorApp(options);
  app.enableShutdownHooks();
  await app.listen(options.port);
  const logger = new Logger('RobotCallSimulator');
  logger.log(`Robot-call simulator listening on port ${options.port}`);
  if (options.pushUrl) logger.log(`Pushing call results to SIMULATOR_PUSH_URL (batch ${options.pushBatchMs} ms)`);
}

bootstrap().catch((error: Error) => {
  console.error(`Robot-call simulator failed to start: ${error.message}`);
  process.exit(1);
});
