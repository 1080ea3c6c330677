import { Provider } from '@nestjs/common';
import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';

/** The gateway's metrics (docs/operations.md describes them); exported by the app's `/metrics`. */
export const GATEWAY_METRIC = {
  /** Counter {call, outcome: GATEWAY_CALL_OUTCOMES}: robot-call platform calls, retries included. */
  gatewayCalls: 'aiv_gateway_calls_total',
  /** Histogram {call, outcome}: how long a robot-call platform call took, retries included. */
  gatewayCallDuration: 'aiv_gateway_call_duration_seconds',
} as const;

const GATEWAY_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Registered once per process (prom-client's registry is global: a second app in the same process shares them). */
export const GATEWAY_METRIC_PROVIDERS: Provider[] = [
  makeCounterProvider({
    name: GATEWAY_METRIC.gatewayCalls,
    help: 'Robot-call platform calls (retries included) by call and outcome',
    labelNames: ['call', 'outcome'],
  }),
  makeHistogramProvider({
    name: GATEWAY_METRIC.gatewayCallDuration,
    help: 'Duration of robot-call platform calls (retries included) by call and outcome',
    labelNames: ['call', 'outcome'],
    buckets: GATEWAY_DURATION_BUCKETS,
  }),
];
