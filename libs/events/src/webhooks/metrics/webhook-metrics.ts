import { Injectable, Logger, Provider } from '@nestjs/common';
import {
  InjectMetric,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
import { Counter, Gauge, Histogram } from 'prom-client';
import { DataSource } from 'typeorm';
import { parseDbDate } from '@app/database';
import { DeliveryRepository } from '../delivery.repository';
import { UNSENDABLE_REASONS, UnsendableReason } from '../domain/unsendable';

/** What the relay does with an attempt: delivered, to be retried, or given up (failed). */
export const DELIVERY_OUTCOMES = ['delivered', 'retried', 'failed'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

/** The relay's metrics (docs/operations.md, docs/webhooks.md); exported by the worker's `/metrics`. */
export const WEBHOOK_METRIC = {
  /** Counter {outcome: delivered | retried | failed}: delivery attempts by what became of them. */
  deliveries: 'aiv_webhook_deliveries_total',
  /** Histogram: from an event's creation to its delivery to an endpoint. */
  deliveryLatency: 'aiv_webhook_delivery_latency_seconds',
  /** Gauge: age of the oldest event still pending for some enabled endpoint (0: none), read by one query on each scrape. */
  oldestUndelivered: 'aiv_webhook_oldest_undelivered_seconds',
  /** Counter: endpoints disabled after failing for WEBHOOK_DISABLE_AFTER_HOURS. */
  endpointsDisabled: 'aiv_webhook_endpoints_disabled_total',
  /** Counter {reason: event_gone | unrendered}: deliveries given up without an attempt because they can never be sent. */
  unsendable: 'aiv_webhook_deliveries_unsendable_total',
} as const;

const LATENCY_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400];

const logger = new Logger('Metrics');

/** The relay reports here; the relay module binds it to Prometheus. */
export abstract class RelayMetrics {
  abstract attempted(outcome: DeliveryOutcome, latencySeconds?: number): void;
  abstract endpointDisabled(): void;
  /** `count` deliveries given up for `reason` (by the relay when it claimed them, or by the housekeeping). */
  abstract unsendable(reason: UnsendableReason, count: number): void;
}

@Injectable()
export class PrometheusRelayMetrics extends RelayMetrics {
  constructor(
    @InjectMetric(WEBHOOK_METRIC.deliveries) private readonly deliveries: Counter<string>,
    @InjectMetric(WEBHOOK_METRIC.deliveryLatency) private readonly latency: Histogram<string>,
    @InjectMetric(WEBHOOK_METRIC.endpointsDisabled) private readonly disabled: Counter<string>,
    @InjectMetric(WEBHOOK_METRIC.unsendable) private readonly unsendableDeliveries: Counter<string>,
  ) {
    super();
    for (const outcome of DELIVERY_OUTCOMES) this.deliveries.inc({ outcome }, 0);
    this.disabled.inc(0);
    for (const reason of UNSENDABLE_REASONS) this.unsendableDeliveries.inc({ reason }, 0);
  }

  attempted(outcome: DeliveryOutcome, latencySeconds?: number): void {
    this.deliveries.inc({ outcome });
    if (outcome === 'delivered' && latencySeconds !== undefined) this.latency.observe(Math.max(0, latencySeconds));
  }

  endpointDisabled(): void {
    this.disabled.inc();
  }

  unsendable(reason: UnsendableReason, count: number): void {
    if (count > 0) this.unsendableDeliveries.inc({ reason }, count);
  }
}

/**
 * The gauge's `collect`: one query (DeliveryRepository.oldestUndelivered) for the oldest event among pending
 * deliveries of enabled endpoints (a disabled one's wait on purpose, and would keep an alert firing).
 * A failed query leaves the gauge empty for that scrape rather than failing the scrape or repeating a stale age.
 */
async function collectOldestUndelivered(
  gauge: Gauge<string>,
  dataSource: DataSource,
  deliveries: DeliveryRepository,
): Promise<void> {
  gauge.reset();
  if (!dataSource.isInitialized) return;
  try {
    const found = await deliveries.oldestUndelivered(dataSource.manager);
    const oldest = found ? parseDbDate(found) : null;
    gauge.set(oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0);
  } catch (error) {
    logger.warn(
      `reading the oldest undelivered event failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Registered once per process (prom-client's registry is global). */
export const WEBHOOK_METRIC_PROVIDERS: Provider[] = [
  makeCounterProvider({
    name: WEBHOOK_METRIC.deliveries,
    help: 'Webhook delivery attempts by outcome (delivered, retried: failed and rescheduled, failed: given up)',
    labelNames: ['outcome'],
  }),
  makeHistogramProvider({
    name: WEBHOOK_METRIC.deliveryLatency,
    help: 'From the creation of an event to its delivery to an endpoint',
    buckets: LATENCY_BUCKETS,
  }),
  makeCounterProvider({
    name: WEBHOOK_METRIC.endpointsDisabled,
    help: 'Webhook endpoints disabled after failing without a success for WEBHOOK_DISABLE_AFTER_HOURS',
  }),
  makeCounterProvider({
    name: WEBHOOK_METRIC.unsendable,
    help: 'Webhook deliveries given up without an attempt because they can never be sent (event_gone: the event is no longer stored; unrendered: a batch row, not an event)',
    labelNames: ['reason'],
  }),
  makeGaugeProvider({
    name: WEBHOOK_METRIC.oldestUndelivered,
    help: 'Age of the oldest event still pending for some enabled webhook endpoint (0: none), read on each scrape',
    inject: [DataSource, DeliveryRepository],
    collect(this: Gauge<string>, dataSource: DataSource, deliveries: DeliveryRepository) {
      return collectOldestUndelivered(this, dataSource, deliveries);
    },
  }),
];
