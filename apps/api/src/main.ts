import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import { Logger } from 'nestjs-pino';
import { ApiModule } from './api.module';
import { configureApi } from './bootstrap';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(ApiModule.forRoot(), { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(Logger));
  configureApi(app);
  const port = app.get(ConfigService).getOrThrow<number>('API_PORT');
  await app.listen(port);
  app.get(Logger).log(`AI Visitor API listening on port ${port}`, 'Api');
}

bootstrap().catch((error: Error) => {
  console.error(`API failed to start: ${error.message}`);
  process.exit(1);
});
