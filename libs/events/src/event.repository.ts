import { Injectable } from '@nestjs/common';
import { EntityManager, In, MoreThan } from 'typeorm';
import { currentTraceparent } from '@app/core';
import { SqlDialect } from '@app/database';
import { EventEntity } from './entities/event.entity';
import { EventType } from './domain/event-types';
import { BATCH_TYPE_PREFIX } from './event-batch-renderer';

const TABLE = 'ai_visitor_event';
const CURSORS = 'ai_visitor_event_cursor';
const NEW_COLUMNS = ['type', 'firm_id', 'task_id', 'sequence', 'data', 'created_at', 'contact_id'];
/** With tracing on, the rows written carry the writing span's context (`traceparent`, for the relay's spans). */
const TRACED_COLUMNS = [...NEW_COLUMNS, 'traceparent'];
const POSITIONED_COLUMNS = [...NEW_COLUMNS, 'position', 'traceparent'];

/**
 * A row as written: type, firm, task, sequence, data (JSON), created_at (a dialect date param), and the contact whose
 * personal data it carries (erasure and the conversations' retention find its events by it; null for the others).
 */
export type EventRow = [
  type: string,
  firmId: string | null,
  taskId: string | null,
  sequence: number | null,
  data: string,
  createdAt: unknown,
  contactId: string | null,
];

/** An event that carries a contact's personal data, as its redaction reads it. */
export interface ContactEventRow {
  id: string | number;
  type: string;
  contact_id: string | number;
  data: string;
}

/** An outbox row the sequencer has not positioned yet; `data` only for a batch row (the others' is not read). */
export interface UnpositionedRow {
  id: string | number;
  type: string;
  firm_id: string | number | null;
  task_id: string | number | null;
  created_at: Date | string;
  data: string | null;
  /** The trace context it was written in (a batch's events carry it on); null with tracing off. */
  traceparent: string | null;
}

/** A positioned event as the fan-out reads it (no payload). */
export interface PositionedRow {
  id: string | number;
  type: string;
  firm_id: string | number | null;
  task_id: string | number | null;
  sequence: number | null;
  position: string | number;
}

/** The feed's filter: after a position, one firm's (or all), some types, one task. */
export interface FeedFilter {
  after: string;
  firmId?: string;
  types?: readonly EventType[];
  taskId?: string;
  /** Rows read at most. */
  take: number;
}

/** Redelivery's selection: positioned events after a row id, of a firm (or all), by id list or creation range. */
export interface RedeliverySelection {
  afterId: string;
  firmId: string | null;
  /** Row ids (an empty list selects nothing)… */
  ids?: readonly string[];
  /** …or events created in [from, to). */
  from?: Date;
  to?: Date;
  limit: number;
}

/**
 * The one place that reads and writes the events (`ai_visitor_event`) and their cursors
 * (`ai_visitor_event_cursor`: `feed`, the last position given; `fanout`, the last position turned into
 * deliveries). Every statement on those two tables is here, each as its caller had it (same text, same plan);
 * the transactions stay with the callers: every method takes the manager it runs on.
 *
 * Two statements that join deliveries to events live in DeliveryRepository, because their main table is the
 * deliveries' (`findUnsendable`, `oldestUndelivered`): they read an event only by its primary key, per delivery.
 */
@Injectable()
export class EventRepository {
  constructor(private readonly dialect: SqlDialect) {}

  // ---- the outbox (the writers' transactions)

  /** Plain insert: rows have no key but their new id, so nothing can collide. */
  async append(manager: EntityManager, rows: readonly EventRow[]): Promise<void> {
    const traceparent = currentTraceparent();
    if (traceparent === null) await this.dialect.insertIgnore(manager, TABLE, NEW_COLUMNS, rows);
    else await this.dialect.insertIgnore(manager, TABLE, TRACED_COLUMNS, traced(rows, traceparent));
  }

  /** A batch's rows (type `batch:<kind>`, no sequence). */
  async appendBatchRows(manager: EntityManager, rows: readonly EventRow[]): Promise<void> {
    const traceparent = currentTraceparent();
    if (traceparent === null) await this.dialect.insertMany(manager, TABLE, NEW_COLUMNS, rows);
    else await this.dialect.insertMany(manager, TABLE, TRACED_COLUMNS, traced(rows, traceparent));
  }

  // ---- the cursors

  /**
   * The `feed` cursor's position, its row locked for update; with `wait` false, null at once when another
   * transaction holds it (SKIP LOCKED). Null too when the row is missing.
   */
  async lockFeedCursor(manager: EntityManager, wait: boolean): Promise<number | null> {
    const [row]: { position: string | number }[] = await manager.query(
      `SELECT position FROM ${CURSORS} WHERE name = ?${wait ? this.dialect.forUpdateClause() : this.dialect.skipLockedClause()}`,
      ['feed'],
    );
    return row ? Number(row.position) : null;
  }

  /** The `fanout` cursor's position, its row locked for update (one fan-out at a time); 0 when missing. */
  async lockFanoutCursor(manager: EntityManager): Promise<number> {
    const [cursor]: { position: string | number }[] = await manager.query(
      `SELECT position FROM ${CURSORS} WHERE name = 'fanout'${this.dialect.forUpdateClause()}`,
    );
    return Number(cursor?.position ?? 0);
  }

  /**
   * The `fanout` cursor's row taken in share mode: claims run side by side, but no fan-out commits during one
   * (see DeliveryRepository.claim).
   */
  async shareFanoutCursor(manager: EntityManager): Promise<void> {
    await manager.query(`SELECT position FROM ${CURSORS} WHERE name = 'fanout'${this.dialect.forShareClause()}`);
  }

  async moveFeedCursor(manager: EntityManager, position: number): Promise<void> {
    await manager.query(`UPDATE ${CURSORS} SET position = ? WHERE name = 'feed'`, [position]);
  }

  async moveFanoutCursor(manager: EntityManager, position: number): Promise<void> {
    await manager.query(`UPDATE ${CURSORS} SET position = ? WHERE name = 'fanout'`, [position]);
  }

  // ---- sequencing (under the locked `feed` cursor)

  /** Up to `limit` rows not positioned yet, in id order, with a batch row's data. */
  unpositioned(manager: EntityManager, limit: number): Promise<UnpositionedRow[]> {
    return manager.query(
      `SELECT id, type, firm_id, task_id, created_at, CASE WHEN type LIKE '${BATCH_TYPE_PREFIX}%' THEN data END AS data, traceparent
           FROM ${TABLE} WHERE position IS NULL ORDER BY id LIMIT ${Math.trunc(limit)}`,
    );
  }

  /** Gives rows their positions: `[id, position]` pairs, one statement. */
  async setPositions(manager: EntityManager, moved: readonly [number, number][]): Promise<void> {
    await this.dialect.updateRows(manager, TABLE, 'id', ['position'], moved, { position: 'v.position' });
  }

  /**
   * A batch's events, inserted with their positions: type, firm, task, sequence, data, created_at, contact_id,
   * position, traceparent (the batch row's).
   */
  async insertPositioned(manager: EntityManager, rows: readonly unknown[][]): Promise<void> {
    await this.dialect.insertMany(manager, TABLE, POSITIONED_COLUMNS, rows);
  }

  /** Deletes rendered batch rows. */
  async deleteBatchRows(manager: EntityManager, ids: readonly number[]): Promise<void> {
    await manager.query(`DELETE FROM ${TABLE} WHERE id IN (${ids.join(', ')})`);
  }

  // ---- readers

  /** The fan-out's next events: positioned after `after`, in position order. */
  positionedAfter(manager: EntityManager, after: number, limit: number): Promise<PositionedRow[]> {
    return manager.query(
      `SELECT id, type, firm_id, task_id, sequence, position FROM ${TABLE} WHERE position > ? ORDER BY position LIMIT ${Math.trunc(limit)}`,
      [after],
    );
  }

  /** A page of the feed, in position order. */
  feedPage(manager: EntityManager, filter: FeedFilter): Promise<EventEntity[]> {
    return manager.getRepository(EventEntity).find({
      where: {
        position: MoreThan(filter.after),
        ...(filter.firmId !== undefined ? { firmId: filter.firmId } : {}),
        ...(filter.types?.length ? { type: In([...filter.types]) } : {}),
        ...(filter.taskId !== undefined ? { taskId: filter.taskId } : {}),
      },
      order: { position: 'ASC' },
      take: filter.take,
    });
  }

  /** Events by row id (the relay's claimed deliveries'); those gone are simply missing. */
  findByIds(manager: EntityManager, ids: readonly string[]): Promise<EventEntity[]> {
    return manager.getRepository(EventEntity).find({ where: { id: In([...ids]) } });
  }

  /** Redelivery's next positioned events, by id (keyset). */
  redeliveryPage(manager: EntityManager, selection: RedeliverySelection): Promise<EventEntity[]> {
    const query = manager
      .getRepository(EventEntity)
      .createQueryBuilder('e')
      .where('e.id > :afterId', { afterId: selection.afterId })
      .andWhere('e.position IS NOT NULL')
      .orderBy('e.id', 'ASC')
      .limit(selection.limit);
    if (selection.firmId !== null) query.andWhere('e.firm_id = :firmId', { firmId: selection.firmId });
    if (selection.ids) query.andWhere('e.id IN (:...ids)', { ids: selection.ids.length ? [...selection.ids] : ['0'] });
    else query.andWhere('e.created_at >= :from AND e.created_at < :to', { from: selection.from, to: selection.to });
    return query.getMany();
  }

  // ---- redaction (a candidate's erasure, the conversations' retention)

  /**
   * The events carrying these contacts' personal data (`idx_event_contact`), read for update: the caller rewrites
   * their payloads in place. Batch rows are not among them (they carry no contact id): they are rendered from the
   * contacts as they are then.
   */
  eventsOfContacts(manager: EntityManager, contactIds: readonly string[]): Promise<ContactEventRow[]> {
    if (contactIds.length === 0) return Promise.resolve([]);
    return manager.query(
      `SELECT id, type, contact_id, data FROM ${TABLE} WHERE contact_id IN (${contactIds.map(() => '?').join(', ')})` +
        this.dialect.forUpdateClause(),
      [...contactIds],
    );
  }

  /** Rewrites events' payloads: `[id, data]` pairs, one statement (id, type, sequence and position unchanged). */
  async rewriteData(manager: EntityManager, rows: readonly [number, string][]): Promise<void> {
    if (rows.length === 0) return;
    await this.dialect.updateRows(manager, TABLE, 'id', ['data'], rows, { data: 'v.data' });
  }

  // ---- retention

  /** The oldest `limit` rows by primary key (ids grow with time), with their creation time. */
  oldest(manager: EntityManager, limit: number): Promise<{ id: string | number; created_at: Date | string }[]> {
    return manager.query(`SELECT id, created_at FROM ${TABLE} ORDER BY id LIMIT ${Math.trunc(limit)}`);
  }

  async deleteByIds(manager: EntityManager, ids: readonly number[]): Promise<void> {
    await manager.createQueryBuilder().delete().from(TABLE).where('id IN (:...ids)', { ids }).execute();
  }
}

/** The rows with the writing span's trace context as their last column. */
function traced(rows: readonly EventRow[], traceparent: string): unknown[][] {
  return rows.map((row) => [...row, traceparent]);
}
