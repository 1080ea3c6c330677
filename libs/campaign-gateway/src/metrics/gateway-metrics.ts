import { Provider } from '@nestjs/common';
import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { Gauge } from 'prom-client';
import { CampaignGatewayClient } from '../campaign-gateway.client';

/** The gateway's metrics (docs/operations.md describes them); exported by the app's `/metrics`. */
export const GATEWAY_METRIC = {
  /** Counter {call, outcome: GATEWAY_CALL_OUTCOMES}: robot-call platform calls, retries included. */
  gatewayCalls: 'aiv_gateway_calls_total',
  /** Histogram {call, outcome}: how long a robot-call platform call took, retries included. */
  gatewayCallDuration: 'aiv_gateway_call_duration_seconds',
  /** Gauge: 1 while the gateway client's circuit breaker is open or half-open (calls fail fast), 0 when closed. */
  gatewayCircuitOpen: 'aiv_gateway_circuit_open',
  /**
   * Gauge: 1 when the robot-call platform answers a plain GET of ROBOT_CALL_BASE_URL below 500, else 0; probed on
   * each scrape (as `/health/ready` reports it, without failing readiness). Registered by RobotCallProbeModule.
   */
  robotCallReachable: 'aiv_robot_call_reachable',
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
  makeGaugeProvider({
    name: GATEWAY_METRIC.gatewayCircuitOpen,
    help: "1 while the robot-call client's circuit breaker is open or half-open (calls fail fast), 0 when closed",
    inject: [CampaignGatewayClient],
    collect(this: Gauge<string>, client: CampaignGatewayClient) {
      this.set(client.circuitOpen ? 1 : 0);
    },
  }),
];
