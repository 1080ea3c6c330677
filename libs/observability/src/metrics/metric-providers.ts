import { Provider } from '@nestjs/common';
import { makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { HTTP_DURATION_BUCKETS, METRIC } from './metric-names';

/** The metrics, registered once per process (a second app in the same process shares them). */
export const METRIC_PROVIDERS: Provider[] = [
  makeHistogramProvider({
    name: METRIC.httpRequestDuration,
    help: 'HTTP requests by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_DURATION_BUCKETS,
  }),
];
