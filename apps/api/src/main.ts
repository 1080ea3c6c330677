// First: tracing starts (when configured) before what it instruments is loaded.
import './tracing';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { BootLogger, exitAfterBootFailure } from '@app/observability';
import { ApiModule } from './api.module';
import { configureApi } from './bootstrap';
import { ApiConfig, apiConfig } from './config/api-env';

// JSON lines from the first one: Nest's own start-up lines, and a configuration that fails validation.
const bootLogger = new BootLogger('ai-visitor-api');

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(ApiModule.forRoot(), {
    bodyParser: false,
    bufferLogs: true,
    logger: bootLogger,
  });
  app.useLogger(app.get(Logger));
  configureApi(app);
  const { port } = app.get<ApiConfig>(apiConfig.KEY);
  await app.listen(port);
  app.get(Logger).log(`AI Visitor API listening on port ${port}`, 'Api');
}

bootstrap().catch((error: unknown) => exitAfterBootFailure(bootLogger, 'Api', error));
