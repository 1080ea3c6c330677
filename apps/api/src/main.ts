import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import { ApiModule } from './api.module';
import { configureApi } from './bootstrap';

async function bootstrap(): Promise<void> {
  const app = configureApi(await NestFactory.create(ApiModule.forRoot(), { bodyParser: false }));
  const port = app.get(ConfigService).getOrThrow<number>('API_PORT');
  await app.listen(port);
  new Logger('Api').log(`AI Visitor API listening on port ${port}`);
}

bootstrap().catch((error: Error) => {
  console.error(`API failed to start: ${error.message}`);
  process.exit(1);
});
