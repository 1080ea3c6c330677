import { INestApplication, RequestMethod } from '@nestjs/common';
import { RouteInfo } from '@nestjs/common/interfaces';
import { requestIdMiddleware } from '../logging/request-id';
import { HttpMetrics } from '../metrics/http-metrics';
import { HttpDrain } from './http-drain';

/** The operations routes; the API serves them outside its `/v1` prefix. */
export const OPERATIONS_ROUTES: RouteInfo[] = [
  { path: 'health/live', method: RequestMethod.GET },
  { path: 'health/ready', method: RequestMethod.GET },
  { path: 'metrics', method: RequestMethod.GET },
];

/**
 * The HTTP conventions of both apps, installed before anything else (body parsers included) so every
 * request gets them: the request id (`X-Request-Id`), the request duration metric and the shutdown drain;
 * and SIGTERM/SIGINT close the app (in-flight work finishes, bounded) then exit 0.
 */
export function configureOperationalHttp<T extends INestApplication>(app: T): T {
  app.use(requestIdMiddleware);
  app.use(app.get(HttpMetrics).middleware);
  app.use(app.get(HttpDrain).middleware);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  return app;
}
