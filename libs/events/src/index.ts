// Events to the recruiting platform: the module and its configuration, the outbox the domain libs write to in
// their own transactions, the sequencer that orders the feed, the feed and retention use cases, and the event vocabulary.
export { EventsModule } from './events.module';
export { eventsConfig } from './events.config';
export type { EventsSettings } from './events.config';
export { EVENT_TYPES, isEventType } from './domain/event-types';
export type { EventType } from './domain/event-types';
export type { NewEvent, EventView } from './domain/event';
export { EventOutbox, eventIdOf, rowIdOf } from './event-outbox';
export { EventSequencer } from './event-sequencer';
export { ListEvents } from './usecases/list-events.usecase';
export type { ListEventsQuery, EventPage } from './usecases/list-events.usecase';
export { PurgeExpiredEvents } from './usecases/purge-expired-events.usecase';
export type { PurgeSummary } from './usecases/purge-expired-events.usecase';
