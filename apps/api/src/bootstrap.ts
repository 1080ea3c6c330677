import { INestApplication } from '@nestjs/common';
import { json } from 'express';
import { configureOperationalHttp, OPERATIONS_ROUTES } from '@app/observability';
import { buildValidationPipe } from './http/validation';
import { setupOpenApi } from './openapi';

/** HTTP settings shared by main.ts and the e2e tests, so tests exercise the real pipeline. */
export function configureApi(app: INestApplication): INestApplication {
  // First, before the body parser: request id, request metrics, shutdown drain, SIGTERM handling.
  configureOperationalHttp(app);
  // 10,000 contacts of ~120 bytes fit well under 4 MB; anything larger is refused before parsing.
  // The raw bytes are kept for signature checks (the platform's pushed results are signed over them).
  app.use(json({ limit: '4mb', verify: (req, _res, buf) => ((req as { rawBody?: Buffer }).rawBody = buf) }));
  // Probes and metrics sit outside /v1, where orchestrators and Prometheus expect them.
  app.setGlobalPrefix('v1', { exclude: OPERATIONS_ROUTES });
  app.useGlobalPipes(buildValidationPipe());
  // After the prefix is set, so the document's paths carry it. Served at /docs and /docs-json, no auth.
  setupOpenApi(app);
  return app;
}
