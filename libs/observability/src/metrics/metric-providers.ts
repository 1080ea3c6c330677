import { Provider } from '@nestjs/common';
import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { CampaignGatewayClient } from '@app/campaign-gateway';
import { RobotCallProbe } from '../health/robot-call-probe';
import {
  GATEWAY_DURATION_BUCKETS,
  HTTP_DURATION_BUCKETS,
  METRIC,
  SYNC_PASS_DURATION_BUCKETS,
} from './metric-names';
import { collectTasksByStatus } from './tasks-by-status';

/** The metrics, registered once per process (a second app in the same process shares them). */
export const METRIC_PROVIDERS: Provider[] = [
  makeHistogramProvider({
    name: METRIC.httpRequestDuration,
    help: 'HTTP requests by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_DURATION_BUCKETS,
  }),
  makeCounterProvider({
    name: METRIC.syncPasses,
    help: 'Sync passes by outcome (ok, partial: some task failed, error: the pass broke off)',
    labelNames: ['outcome'],
  }),
  makeHistogramProvider({
    name: METRIC.syncPassDuration,
    help: 'Duration of sync passes',
    buckets: SYNC_PASS_DURATION_BUCKETS,
  }),
  makeCounterProvider({
    name: METRIC.syncTaskRuns,
    help: "One task's sync, by what it did (or failed)",
    labelNames: ['outcome'],
  }),
  makeCounterProvider({
    name: METRIC.syncRecordsIngested,
    help: 'Call records stored by the sync',
  }),
  makeCounterProvider({
    name: METRIC.ingestUnfitValues,
    help: 'Values from the robot-call platform that did not fit the database, by field and what was done (cut, hashed, replaced, rejected, not_saved)',
    labelNames: ['field', 'action'],
  }),
  makeCounterProvider({
    name: METRIC.syncPagingStalls,
    help: 'Campaign detail answers with has_more true and no new next_cursor: reading that campaign stopped for the pass',
  }),
  makeCounterProvider({
    name: METRIC.gatewayCalls,
    help: 'Robot-call platform calls (retries included) by call and outcome',
    labelNames: ['call', 'outcome'],
  }),
  makeHistogramProvider({
    name: METRIC.gatewayCallDuration,
    help: 'Duration of robot-call platform calls (retries included) by call and outcome',
    labelNames: ['call', 'outcome'],
    buckets: GATEWAY_DURATION_BUCKETS,
  }),
  makeGaugeProvider({
    name: METRIC.robotCallReachable,
    help: 'Whether the robot-call platform answers a plain GET of its base URL below 500 (1) or not (0), probed on each scrape',
    inject: [RobotCallProbe],
    async collect(this: Gauge<string>, probe: RobotCallProbe) {
      this.set((await probe.check()).status === 'up' ? 1 : 0);
    },
  }),
  makeGaugeProvider({
    name: METRIC.gatewayCircuitOpen,
    help: "1 while the robot-call client's circuit breaker is open or half-open (calls fail fast), 0 when closed",
    // Optional: an app without the gateway client exports nothing here rather than failing to start.
    inject: [{ token: CampaignGatewayClient, optional: true }],
    collect(this: Gauge<string>, client: CampaignGatewayClient | undefined) {
      if (client) this.set(client.circuitOpen ? 1 : 0);
    },
  }),
  makeGaugeProvider({
    name: METRIC.tasks,
    help: 'Tasks by status, counted by the database on each scrape',
    labelNames: ['status'],
    inject: [DataSource],
    collect(this: Gauge<string>, dataSource: DataSource) {
      return collectTasksByStatus(this, dataSource);
    },
  }),
];
