import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventEntity } from './entities/event.entity';
import { EventOutbox } from './event-outbox';
import { EventSequencer } from './event-sequencer';
import { ListEvents } from './usecases/list-events.usecase';
import { EventMetrics, EVENTS_METRIC_PROVIDERS, PrometheusEventMetrics } from './metrics/event-metrics';

/**
 * Events to the recruiting platform: the transactional outbox the domain libs write to (`EventOutbox`), the
 * sequencer that orders committed events for the feed, and the feed itself. Needs the app's infrastructure roots
 * and `eventsConfig` loaded.
 */
@Module({
  imports: [TypeOrmModule.forFeature([EventEntity])],
  providers: [EventOutbox, EventSequencer, ListEvents, ...EVENTS_METRIC_PROVIDERS, { provide: EventMetrics, useClass: PrometheusEventMetrics }],
  exports: [EventOutbox, EventSequencer, ListEvents],
})
export class EventsModule {}
