import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';
import { CampaignGatewayMetrics } from '@app/campaign-gateway';
import { SyncMetrics } from '@app/task';
import { HealthModule } from '../health/health.module';
import { HttpMetrics } from './http-metrics';
import { METRIC_PROVIDERS } from './metric-providers';
import { METRICS_PATH, MetricsController } from './metrics.controller';
import { PrometheusCampaignGatewayMetrics } from './prometheus-gateway-metrics';
import { PrometheusSyncMetrics } from './prometheus-sync-metrics';

/**
 * `GET /metrics` and every metric of METRIC. Global, so the libs' optional metrics ports
 * (`CampaignGatewayMetrics`, `SyncMetrics`) find their Prometheus implementations.
 */
@Global()
@Module({
  imports: [
    // The platform's probe, for the `aiv_robot_call_reachable` gauge.
    HealthModule,
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
  providers: [
    ...METRIC_PROVIDERS,
    HttpMetrics,
    { provide: CampaignGatewayMetrics, useClass: PrometheusCampaignGatewayMetrics },
    { provide: SyncMetrics, useClass: PrometheusSyncMetrics },
  ],
  exports: [...METRIC_PROVIDERS, HttpMetrics, CampaignGatewayMetrics, SyncMetrics],
})
export class MetricsModule {}
