import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '@app/core';
import { SqlDialect } from '@app/database';
import { NewEvent, NewEventBatch } from './domain/event';
import { batchRowType } from './event-batch-renderer';
import { EventRepository, EventRow } from './event.repository';

/**
 * A batch row's JSON stays under this many bytes (the column is a TEXT, 65,535 bytes): a large batch takes
 * several rows. An entry larger than this alone takes a row of its own (it fits: an event's data does).
 */
export const BATCH_ROW_MAX_BYTES = 60_000;

/** An event's public id, unique and stable: `evt_` and its row id (receivers deduplicate on it). */
export function eventIdOf(rowId: string | number): string {
  return `evt_${rowId}`;
}

/** The row id of a public event id, or null when it is not one. */
export function rowIdOf(eventId: string): string | null {
  return /^evt_\d{1,19}$/.test(eventId) ? eventId.slice(4) : null;
}

/**
 * The transactional outbox: events are written in the caller's transaction, beside the change they describe, so
 * a change rolled back writes none and a committed one is never lost. Writing is all the change pays: one
 * multi-row insert; the relay (sequencing, delivery) runs elsewhere, after commit.
 */
@Injectable()
export class EventOutbox {
  constructor(
    private readonly dialect: SqlDialect,
    private readonly clock: Clock,
    private readonly events: EventRepository,
  ) {}

  async append(manager: EntityManager, events: readonly NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    const now = this.dialect.dateParam(this.clock.now());
    const rows = events.map((e): EventRow => [
      e.type,
      e.firmId,
      e.taskId ?? null,
      e.sequence ?? null,
      JSON.stringify(e.data),
      now,
      e.contactId ?? null,
    ]);
    await this.events.append(manager, rows);
  }

  /**
   * Writes many events as one compact row (a few when large; see NewEventBatch), in the caller's transaction:
   * for a page of results, one outbox row instead of one per event, and only the bytes the database does not
   * already hold. The sequencer renders the row into its events with their ids and positions.
   */
  async appendBatch(manager: EntityManager, batch: NewEventBatch): Promise<void> {
    await this.appendBatches(manager, [batch]);
  }

  /** Several batches (a transaction's pages of several tasks) in one multi-row insert, in the order given. */
  async appendBatches(manager: EntityManager, batches: readonly NewEventBatch[]): Promise<void> {
    const now = this.dialect.dateParam(this.clock.now());
    const rows = batches.flatMap((batch) =>
      packEntries(batch.entries, BATCH_ROW_MAX_BYTES).map((json): EventRow => [
        batchRowType(batch.kind),
        batch.firmId,
        batch.taskId,
        null,
        json,
        now,
        null,
      ]),
    );
    if (rows.length === 0) return;
    await this.events.appendBatchRows(manager, rows);
  }
}

/** The entries as JSON arrays of at most `maxBytes` each (an entry larger than that alone), in their order. */
export function packEntries(entries: readonly unknown[], maxBytes: number): string[] {
  const rows: string[] = [];
  let parts: string[] = [];
  let bytes = 2; // "[" and "]"
  for (const entry of entries) {
    const json = JSON.stringify(entry);
    const size = Buffer.byteLength(json) + 1; // and its comma
    if (parts.length > 0 && bytes + size > maxBytes) {
      rows.push(`[${parts.join(',')}]`);
      parts = [];
      bytes = 2;
    }
    parts.push(json);
    bytes += size;
  }
  if (parts.length > 0) rows.push(`[${parts.join(',')}]`);
  return rows;
}
