import { Injectable } from '@nestjs/common';
import { randomBytes } from 'crypto';
import { EntityManager } from 'typeorm';
import { Clock } from '@app/core';
import { SqlDialect } from '@app/database';
import { NewEvent } from './domain/event';

const COLUMNS = ['event_id', 'type', 'firm_id', 'task_id', 'sequence', 'data', 'created_at'];

/** A new, unique and stable event id: `evt_` and 24 random hex digits (receivers deduplicate on it). */
export function newEventId(): string {
  return `evt_${randomBytes(12).toString('hex')}`;
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
      newEventId(), e.type, e.firmId, e.taskId ?? null, e.sequence ?? null, JSON.stringify(e.data), now,
    ]);
    await this.dialect.insertIgnore(manager, 'ai_visitor_event', COLUMNS, rows);
  }
}
