import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { NextFunction, Request, Response } from 'express';
import { Histogram } from 'prom-client';
import { METRIC, UNMATCHED_ROUTE } from './metric-names';

/**
 * Times every request into `aiv_http_request_duration_seconds`. Plain express middleware, installed first
 * (see configureOperationalHttp), so it also sees requests refused before routing (oversized or malformed
 * bodies, unknown paths). The route label is the matched route's template, never the raw path, so ids do
 * not multiply the series.
 */
@Injectable()
export class HttpMetrics {
  constructor(@InjectMetric(METRIC.httpRequestDuration) private readonly duration: Histogram<string>) {}

  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    const stop = this.duration.startTimer();
    res.once('finish', () =>
      stop({ method: req.method, route: routeTemplateOf(req), status_code: String(res.statusCode) }),
    );
    next();
  };
}

/**
 * The template of the route that handled the request. Nest mounts module middleware (nestjs-pino's) as
 * wildcard routes, so a request no endpoint matched still has `req.route`, that of the middleware: a
 * wildcard template is therefore read as no match.
 */
export function routeTemplateOf(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  const path = route?.path;
  if (typeof path !== 'string' || path.includes('*')) return UNMATCHED_ROUTE;
  return `${req.baseUrl ?? ''}${path}`;
}
