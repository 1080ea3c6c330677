// Operations for every app, knowing nothing of the domain: the module (JSON logs, /metrics, probes, the HTTP
// drain), its configuration, the boot logger for the lines before the app exists, the HTTP wiring, and the
// port by which an app has readiness report a dependency it does not require.
export * from './observability.module';
export { observabilityConfig } from './observability.config';
export { LOG_DESTINATION } from './logging/logging.module';
export * from './logging/boot-logger';
export { REQUEST_ID_HEADER } from './logging/request-id';
export { HttpDrain } from './http/http-drain';
export * from './http/configure-operational-http';
export type { ReportedDependencies } from './health/health.module';
export type { DependencyState, ReportedDependency } from './health/reported-dependency';
