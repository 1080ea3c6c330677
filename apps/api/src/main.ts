import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { ApiModule } from './api.module';
import { configureApi } from './bootstrap';
import { ApiConfig, apiConfig } from './config/api-env';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(ApiModule.forRoot(), { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(Logger));
  configureApi(app);
  const { port } = app.get<ApiConfig>(apiConfig.KEY);
  await app.listen(port);
  app.get(Logger).log(`AI Visitor API listening on port ${port}`, 'Api');
}

bootstrap().catch((error: Error) => {
  console.error(`API failed to start: ${error.message}`);
  process.exit(1);
});
