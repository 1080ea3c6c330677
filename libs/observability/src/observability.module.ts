import { DynamicModule, Global, Module } from '@nestjs/common';
import { HealthModule, ReportedDependencies } from './health/health.module';
import { HttpDrain } from './http/http-drain';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { TracingShutdown } from './tracing-shutdown';

export interface ObservabilityOptions {
  /** The `service` field of every log line, e.g. `ai-visitor-api`. */
  service: string;
  /** Dependencies `/health/ready` reports beside the database without requiring them (the robot-call platform). */
  reported?: ReportedDependencies;
}

/**
 * What every app of the service gets for operations: JSON logs (nestjs-pino), Prometheus metrics at
 * `/metrics`, health probes at `/health/live` and `/health/ready` (terminus), and the bounded HTTP drain on
 * shutdown. Needs the app to load `observabilityConfig` (LOG_LEVEL, SHUTDOWN_TIMEOUT_MS), and its TypeORM
 * DataSource. Call `configureOperationalHttp(app)` on an HTTP app to install the middleware. Knows nothing of
 * the domain: each lib registers its own metrics, and the app names the dependencies readiness reports.
 */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      imports: [
        LoggingModule.forRoot({ service: options.service }),
        MetricsModule,
        HealthModule.forRoot(options.reported),
      ],
      providers: [HttpDrain, TracingShutdown],
      exports: [HttpDrain],
    };
  }
}
