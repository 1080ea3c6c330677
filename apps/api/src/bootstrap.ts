import { INestApplication } from '@nestjs/common';
import { json } from 'express';
import { buildValidationPipe } from './http/validation';

/** HTTP settings shared by main.ts and the e2e tests, so tests exercise the real pipeline. */
export function configureApi(app: INestApplication): INestApplication {
  // 10,000 contacts of ~120 bytes fit well under 4 MB; anything larger is refused before parsing.
  app.use(json({ limit: '4mb' }));
  app.setGlobalPrefix('v1');
  app.useGlobalPipes(buildValidationPipe());
  app.enableShutdownHooks();
  return app;
}
