/**
 * Every event type the service writes (docs/events.md has each payload with an example). A subscription names
 * some of them; the feed filters on them.
 */
export const EVENT_TYPES = [
  'contact.called',
  'candidate.interested',
  'task.started',
  'task.paused',
  'task.resumed',
  'task.completed',
  'task.cancelled',
  'firm.bot_expiring',
  'firm.bot_expired',
  'webhook.disabled',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}
