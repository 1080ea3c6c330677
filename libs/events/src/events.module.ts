import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventEntity } from './entities/event.entity';
import { EventOutbox } from './event-outbox';
import { EventRepository } from './event.repository';
import { EventSequencer } from './event-sequencer';
import { ListEvents } from './usecases/list-events.usecase';
import { PurgeExpiredEvents } from './usecases/purge-expired-events.usecase';
import { EventMetrics, EVENTS_METRIC_PROVIDERS, PrometheusEventMetrics } from './metrics/event-metrics';

/**
 * Events to the recruiting platform: the transactional outbox the domain libs write to (`EventOutbox`), the
 * sequencer that orders committed events for the feed, the feed itself, and the retention purge. Needs the app's infrastructure roots
 * and `eventsConfig` loaded.
 */
@Module({
  imports: [TypeOrmModule.forFeature([EventEntity]), DiscoveryModule],
  providers: [
    EventRepository, EventOutbox, EventSequencer, ListEvents, PurgeExpiredEvents,
    ...EVENTS_METRIC_PROVIDERS, { provide: EventMetrics, useClass: PrometheusEventMetrics },
  ],
  // EventRepository for the webhooks' modules beside it (same lib), not through the lib's index.
  exports: [EventOutbox, EventSequencer, ListEvents, PurgeExpiredEvents, EventRepository],
})
export class EventsModule {}
