import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '@app/core';
import { SqlDialect } from '@app/database';
import { NewEvent } from './domain/event';

const COLUMNS = ['type', 'firm_id', 'task_id', 'sequence', 'data', 'created_at'];

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
  ) {}

  async append(manager: EntityManager, events: readonly NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    const now = this.dialect.dateParam(this.clock.now());
    const rows = events.map((e) => [
      e.type, e.firmId, e.taskId ?? null, e.sequence ?? null, JSON.stringify(e.data), now,
    ]);
    // Plain insert: rows have no key but their new id, so nothing can collide.
    await this.dialect.insertIgnore(manager, 'ai_visitor_event', COLUMNS, rows);
  }
}
