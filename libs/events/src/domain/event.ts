import { EventType } from './event-types';

/** An event to write to the outbox, in the transaction of the change it describes. */
export interface NewEvent {
  type: EventType;
  /** The firm it concerns; null only for an event about an all-firms endpoint (operations see it). */
  firmId: string | null;
  /** The task it concerns, with its per-task `sequence` (the task lib allocates it under the task's lock). */
  taskId?: string | null;
  sequence?: number | null;
  /** The payload: JSON-serialisable, phone numbers masked (a full-number subscription is served at delivery). */
  data: Record<string, unknown>;
}

/** An event as the feed and the webhooks carry it. */
export interface EventView {
  id: string;
  type: EventType;
  createdAt: string;
  firmId: string | null;
  taskId: string | null;
  sequence: number | null;
  /** Where it stands in the feed: the `after` cursor of the next page. */
  position: string;
  data: Record<string, unknown>;
}
