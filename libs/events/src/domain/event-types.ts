/**
 * Every event type the service writes (docs/events.md has each payload with an example). A subscription names
 * some of them; the feed filters on them.
 */
export const EVENT_TYPES = [
  'contact.called',
  'candidate.interested',
  'task.scheduled',
  'task.started',
  'task.paused',
  'task.resumed',
  'task.completed',
  'task.cancelled',
  'task.updated',
  'contact.withdrawn',
  'firm.bot_expiring',
  'firm.bot_expired',
  'webhook.disabled',
  'candidate.erased',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * Every kind of event batch a writer may put in the outbox (`EventOutbox.appendBatch`), so every kind a
 * sequencing process may meet: `records`, a page of call results (the task lib's, rendered into
 * `contact.called` and `candidate.interested`). A vocabulary of this lib, as the event types are: the module
 * that hosts the sequencer refuses to boot without a renderer for each.
 */
export const EVENT_BATCH_KINDS = ['records'] as const;
export type EventBatchKind = (typeof EVENT_BATCH_KINDS)[number];
