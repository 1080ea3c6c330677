/**
 * The metrics observability itself exports. Each lib registers and documents its own (`TASK_METRIC` in the
 * task lib, `GATEWAY_METRIC` in the campaign gateway); docs/operations.md lists them all. Besides these,
 * prom-client's default process metrics (`process_*`, `nodejs_*`) are exported.
 */
export const METRIC = {
  /** Histogram {method, route, status_code}: every HTTP request, by route template (`/v1/tasks/:id`). */
  httpRequestDuration: 'aiv_http_request_duration_seconds',
} as const;

export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The route label of requests no route matched (unknown paths, bodies refused before routing): bounded. */
export const UNMATCHED_ROUTE = 'unmatched';
