import { Injectable, Provider } from '@nestjs/common';
import { InjectMetric, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { Counter } from 'prom-client';
import { EVENT_TYPES } from '../domain/event-types';

/** The events' own metric (docs/operations.md); the relay's are WEBHOOK_METRIC. */
export const EVENTS_METRIC = {
  /**
   * Counter {type}: events written, counted when the sequencer positions them, that is after their transaction
   * committed (counting at the insert would count rolled-back changes too). Summed over processes: each event
   * is positioned once, by whichever process (worker relay, API feed) got to it.
   */
  events: 'aiv_events_total',
} as const;

/** What the sequencer reports; EventsModule binds it to Prometheus. */
export abstract class EventMetrics {
  abstract positioned(types: readonly string[]): void;
}

@Injectable()
export class PrometheusEventMetrics extends EventMetrics {
  constructor(@InjectMetric(EVENTS_METRIC.events) private readonly events: Counter<string>) {
    super();
    for (const type of EVENT_TYPES) this.events.inc({ type }, 0);
  }

  positioned(types: readonly string[]): void {
    const counts = new Map<string, number>();
    for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
    for (const [type, n] of counts) this.events.inc({ type }, n);
  }
}

export const EVENTS_METRIC_PROVIDERS: Provider[] = [
  makeCounterProvider({
    name: EVENTS_METRIC.events,
    help: 'Events written, by type (counted once committed, when the sequencer positions them)',
    labelNames: ['type'],
  }),
];
