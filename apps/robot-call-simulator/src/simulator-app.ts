import { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { RobotCallSimulatorModule } from './simulator.module';
import { SimulatorOptions } from './simulator.options';

/** The app as main.ts and the in-process helper both run it, so tests exercise the real HTTP pipeline. */
export async function createSimulatorApp(
  options: SimulatorOptions,
  logger?: LogLevel[] | false,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(RobotCallSimulatorModule.forRoot(options), {
    bodyParser: false,
    // Keep-alive clients would otherwise hold close() open until their sockets time out.
    forceCloseConnections: true,
    ...(logger === undefined ? {} : { logger }),
  });
  // An add may carry 10,000 contacts, far beyond express's 100 kB default.
  app.useBodyParser('json', { limit: '8mb' });
  return app;
}
