import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/database';
import { EventEntity } from '../entities/event.entity';
import { EventRepository } from '../event.repository';
import { EventView } from '../domain/event';
import { EventType } from '../domain/event-types';
import { EventSequencer } from '../event-sequencer';
import { eventIdOf } from '../event-outbox';

export interface ListEventsQuery {
  /** The calling firm's events only; undefined for operations (every firm). */
  firmId?: string;
  /** The position after which to read (the last page's `nextCursor`); from the start when absent. */
  after?: string;
  types?: EventType[];
  taskId?: string;
  limit: number;
}

export interface EventPage {
  items: EventView[];
  /** Where the next page starts: pass it as `after`. Stays the same when nothing new is there yet. */
  nextCursor: string | null;
  /** Whether more events were there when this page was read. */
  hasMore: boolean;
}

/**
 * The events feed: keyset-paged by position (see EventSequencer), so a platform catching up after its own
 * downtime reads every event once, in order, without gaps or repeats while events keep being written. Events
 * not yet positioned are positioned first, so the feed is never behind what has committed.
 */
@Injectable()
export class ListEvents {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly sequencer: EventSequencer,
    private readonly events: EventRepository,
  ) {}

  async execute(query: ListEventsQuery): Promise<EventPage> {
    // Not behind what has committed, without queueing behind the relay: if it is sequencing, it is doing this.
    await this.sequencer.sequenceAll({ wait: false });
    const rows = await this.events.feedPage(this.tx.autocommit, {
      after: query.after ?? '0',
      firmId: query.firmId,
      types: query.types,
      taskId: query.taskId,
      take: query.limit + 1,
    });
    const hasMore = rows.length > query.limit;
    const items = rows.slice(0, query.limit).map(toEventView);
    return { items, nextCursor: items.length ? items[items.length - 1].position : (query.after ?? null), hasMore };
  }
}

export function toEventView(row: EventEntity): EventView {
  return {
    id: eventIdOf(row.id),
    type: row.type as EventType,
    createdAt: row.createdAt.toISOString(),
    firmId: row.firmId === null ? null : String(row.firmId),
    taskId: row.taskId === null ? null : String(row.taskId),
    sequence: row.sequence === null ? null : Number(row.sequence),
    position: String(row.position),
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}
