/**
 * Every metric the apps export, in one place so dashboards and alerts have one list to follow
 * (docs/operations.md describes them). Besides these, prom-client's default process metrics
 * (`process_*`, `nodejs_*`) are exported.
 */
export const METRIC = {
  /** Histogram {method, route, status_code}: every HTTP request, by route template (`/v1/tasks/:id`). */
  httpRequestDuration: 'aiv_http_request_duration_seconds',
  /** Counter {outcome: ok | partial | error}: sync passes; `partial` = some task failed, `error` = the pass broke off. */
  syncPasses: 'aiv_sync_passes_total',
  /** Histogram: how long a sync pass took. */
  syncPassDuration: 'aiv_sync_pass_duration_seconds',
  /** Counter {outcome: none | confirmed | ingested | next_campaign | completed | suspended | failed}: one task's sync. */
  syncTaskRuns: 'aiv_sync_task_runs_total',
  /** Counter: call records stored by the sync (each remote record is stored once). */
  syncRecordsIngested: 'aiv_sync_records_ingested_total',
  /**
   * Counter {field, action: cut | hashed | replaced | rejected | not_saved}: values from the platform (polled or
   * pushed) that did not fit the database, counted each time they are received.
   */
  ingestUnfitValues: 'aiv_ingest_unfit_values_total',
  /** Counter: campaign paging answers that announced more records without a new cursor (reading stopped for the pass). */
  syncPagingStalls: 'aiv_sync_paging_stalls_total',
  /** Counter {call, outcome: ok | rejected | unavailable | timeout}: robot-call platform calls, retries included. */
  gatewayCalls: 'aiv_gateway_calls_total',
  /** Histogram {call, outcome}: how long a robot-call platform call took, retries included. */
  gatewayCallDuration: 'aiv_gateway_call_duration_seconds',
  /**
   * Gauge: 1 when the robot-call platform answers a plain GET of ROBOT_CALL_BASE_URL below 500, else 0; probed on
   * each scrape (as `/health/ready` reports it, without failing readiness).
   */
  robotCallReachable: 'aiv_robot_call_reachable',
  /** Gauge: 1 while the gateway client's circuit breaker is open or half-open (calls fail fast), 0 when closed. */
  gatewayCircuitOpen: 'aiv_gateway_circuit_open',
  /** Gauge {status}: tasks by status, counted by the database on each scrape. */
  tasks: 'aiv_tasks',
} as const;

export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const GATEWAY_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
export const SYNC_PASS_DURATION_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

/** The route label of requests no route matched (unknown paths, bodies refused before routing): bounded. */
export const UNMATCHED_ROUTE = 'unmatched';
