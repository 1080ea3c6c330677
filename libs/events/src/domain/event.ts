import { EventBatchKind, EventType } from './event-types';

/** An event to write to the outbox, in the transaction of the change it describes. */
export interface NewEvent {
  type: EventType;
  /** The firm it concerns; null only for an event about an all-firms endpoint (operations see it). */
  firmId: string | null;
  /** The task it concerns, with its per-task `sequence` (the task lib allocates it under the task's lock). */
  taskId?: string | null;
  sequence?: number | null;
  /** The contact whose personal data the payload carries (name, number, conversation): its erasure finds the event by it. */
  contactId?: string | null;
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

/**
 * Many events of one kind written as one compact outbox row (or a few), for a change that produces an event per
 * item of a large page (a page of call results). The row holds only what the database does not (for example
 * the attempt number and the sequence of each result); the kind's renderer (EventBatchRenderer) turns it into
 * its events when the sequencer positions it, after commit and in the same transaction that gives them their
 * place in the feed. Until then nothing sees it: the feed and the webhooks read positioned events only.
 */
export interface NewEventBatch {
  /** Which renderer expands it (EVENT_BATCH_KINDS; the app gives the sequencer one for each). */
  kind: EventBatchKind;
  firmId: string | null;
  taskId: string | null;
  /** One JSON-serialisable entry per item, in the order the events are to take. */
  entries: readonly unknown[];
}

/** A batch as its renderer gets it back. */
export interface StoredEventBatch {
  firmId: string | null;
  taskId: string | null;
  entries: unknown[];
}
