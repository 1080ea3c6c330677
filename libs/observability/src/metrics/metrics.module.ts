import { Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';
import { HttpMetrics } from './http-metrics';
import { METRIC_PROVIDERS } from './metric-providers';
import { METRICS_PATH, MetricsController } from './metrics.controller';

/**
 * `GET /metrics`, which exports every metric registered in the process (prom-client's global registry: the
 * libs register their own beside their ports), and the HTTP request metric.
 */
@Module({
  imports: [
    PrometheusModule.registerAsync({
      controller: MetricsController,
      // prom-client's registry is per process: when a second app starts in the same process (the tests run
      // the API and the worker side by side), the default metrics are already there and must not be added twice.
      useFactory: () => ({
        path: `/${METRICS_PATH}`,
        defaultMetrics: { enabled: !register.getSingleMetric('process_cpu_user_seconds_total') },
      }),
    }),
  ],
  providers: [...METRIC_PROVIDERS, HttpMetrics],
  exports: [HttpMetrics],
})
export class MetricsModule {}
