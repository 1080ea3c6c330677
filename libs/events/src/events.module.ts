import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventEntity } from './entities/event.entity';
import { EventOutbox } from './event-outbox';
import { EventRepository } from './event.repository';
import { EventRedaction } from './event-redaction';
import { PurgeExpiredEvents } from './usecases/purge-expired-events.usecase';
import { EventMetrics, EVENTS_METRIC_PROVIDERS, PrometheusEventMetrics } from './metrics/event-metrics';

/**
 * Events to the recruiting platform: the transactional outbox the domain libs write to (`EventOutbox`) and the
 * retention purge, and the in-place redaction of contacts' events (`EventRedaction`). Ordering the feed (the sequencer, which renders event batches) is EventFeedModule's, given
 * the batch renderers by the app. Needs the app's infrastructure roots and `eventsConfig` loaded.
 */
@Module({
  imports: [TypeOrmModule.forFeature([EventEntity])],
  providers: [
    EventRepository,
    EventOutbox,
    EventRedaction,
    PurgeExpiredEvents,
    ...EVENTS_METRIC_PROVIDERS,
    { provide: EventMetrics, useClass: PrometheusEventMetrics },
  ],
  // EventRepository and EventMetrics for the feed's and the webhooks' modules beside it (same lib), not through the lib's index.
  exports: [EventOutbox, EventRedaction, PurgeExpiredEvents, EventRepository, EventMetrics],
})
export class EventsModule {}
