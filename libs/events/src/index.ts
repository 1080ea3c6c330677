// Events to the recruiting platform: the modules and their configuration, the outbox the domain libs write to in
// their own transactions, the sequencer that orders the feed with the port batches are rendered through, the feed
// and retention use cases, and the event vocabulary.
export { EventsModule } from './events.module';
export { EventFeedModule } from './event-feed.module';
export { eventsConfig } from './events.config';
export type { EventsSettings } from './events.config';
export { EVENT_TYPES, isEventType } from './domain/event-types';
export type { EventType } from './domain/event-types';
export type { NewEvent, EventView, NewEventBatch, StoredEventBatch } from './domain/event';
export { EventOutbox, eventIdOf, rowIdOf } from './event-outbox';
export { EventRedaction } from './event-redaction';
export type { ContactEvent } from './event-redaction';
export { EventSequencer } from './event-sequencer';
export type { EventBatchRenderer } from './event-batch-renderer';
export { ListEvents } from './usecases/list-events.usecase';
export type { ListEventsQuery, EventPage } from './usecases/list-events.usecase';
export { PurgeExpiredEvents } from './usecases/purge-expired-events.usecase';
export type { PurgeExpiredEventsCommand, PurgeSummary } from './usecases/purge-expired-events.usecase';
export { EVENTS_METRIC } from './metrics/event-metrics';
// Webhooks: registration (the API's), the relay and its housekeeping (the worker's), and the port full numbers come through.
export { WebhooksModule } from './webhooks/webhooks.module';
export { WebhookRelayModule } from './webhooks/webhook-relay.module';
export type { WebhookRelayOptions } from './webhooks/webhook-relay.module';
export { FullPhoneSource } from './webhooks/relay/full-phone-source';
export { RunRelayRound } from './webhooks/relay/run-relay-round.usecase';
export type { RelayRoundSummary } from './webhooks/relay/run-relay-round.usecase';
export { GiveUpUnsendableDeliveries } from './webhooks/relay/give-up-unsendable-deliveries.usecase';
export type {
  GiveUpUnsendableDeliveriesCommand,
  UnsendableSummary,
} from './webhooks/relay/give-up-unsendable-deliveries.usecase';
export { RegisterWebhook } from './webhooks/usecases/register-webhook.usecase';
export type { RegisterWebhookCommand } from './webhooks/usecases/register-webhook.usecase';
export { ListWebhooks } from './webhooks/usecases/list-webhooks.usecase';
export type { ListWebhooksQuery } from './webhooks/usecases/list-webhooks.usecase';
export { GetWebhook } from './webhooks/usecases/get-webhook.usecase';
export type { GetWebhookQuery } from './webhooks/usecases/get-webhook.usecase';
export { UpdateWebhook } from './webhooks/usecases/update-webhook.usecase';
export type { UpdateWebhookCommand } from './webhooks/usecases/update-webhook.usecase';
export { DeleteWebhook } from './webhooks/usecases/delete-webhook.usecase';
export type { DeleteWebhookCommand } from './webhooks/usecases/delete-webhook.usecase';
export { RotateWebhookSecret } from './webhooks/usecases/rotate-webhook-secret.usecase';
export type { RotateWebhookSecretCommand } from './webhooks/usecases/rotate-webhook-secret.usecase';
export { RedeliverEvents } from './webhooks/usecases/redeliver-events.usecase';
export type { RedeliverEventsCommand, RedeliveryResult } from './webhooks/usecases/redeliver-events.usecase';
export type { WebhookView, RegisteredWebhook } from './webhooks/domain/webhook-view';
export { WebhookUrlNotAllowedError, WebhookNotFoundError } from './webhooks/domain/webhook-errors';
export type { WebhookUrlRefusal } from './webhooks/domain/webhook-url';
export { WEBHOOK_HEADERS } from './webhooks/domain/signature';
export { WEBHOOK_METRIC, DELIVERY_OUTCOMES } from './webhooks/metrics/webhook-metrics';
export { UNSENDABLE_REASONS } from './webhooks/domain/unsendable';
