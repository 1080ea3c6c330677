import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventEntity } from './entities/event.entity';
import { EventOutbox } from './event-outbox';
import { EventSequencer } from './event-sequencer';
import { ListEvents } from './usecases/list-events.usecase';

/**
 * Events to the recruiting platform: the transactional outbox the domain libs write to (`EventOutbox`), the
 * sequencer that orders committed events for the feed, and the feed itself. Needs the app's infrastructure roots
 * and `eventsConfig` loaded.
 */
@Module({
  imports: [TypeOrmModule.forFeature([EventEntity])],
  providers: [EventOutbox, EventSequencer, ListEvents],
  exports: [EventOutbox, EventSequencer, ListEvents],
})
export class EventsModule {}
