import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { SqlDialect } from '@app/database';
import { BATCH_TYPE_PREFIX } from '../event-batch-renderer';
import { EventRepository } from '../event.repository';
import { DeliveryStatus, WebhookDeliveryEntity } from './entities/webhook-delivery.entity';
import { UNSENDABLE_ERRORS, UNSENDABLE_REASONS, UnsendableReason } from './domain/unsendable';

const TABLE = 'ai_visitor_webhook_delivery';
const NEW_COLUMNS = [
  'webhook_id',
  'event_pk',
  'task_id',
  'sequence',
  'status',
  'attempts',
  'next_attempt_at',
  'created_at',
];
const RESET_COLUMNS = [
  'status',
  'attempts',
  'next_attempt_at',
  'first_attempt_at',
  'last_status',
  'last_error',
  'delivered_at',
];
const MAX_ERROR = 255;

/** A delivery to create: one event for one endpoint. */
export interface NewDelivery {
  webhookId: string;
  eventPk: string;
  taskId: string | null;
  sequence: number | null;
}

/** What a failed attempt writes. */
export interface FailedAttempt {
  status: DeliveryStatus.Pending | DeliveryStatus.Failed;
  firstAttemptAt: Date;
  nextAttemptAt: Date;
  lastStatus: number | null;
  lastError: string;
}

/** A delivery the endpoint accepted: its id, when its POST started and was answered, and the answer's status. */
export interface DeliveryMade {
  id: string | number;
  attemptedAt: Date;
  at: Date;
  httpStatus: number;
}

/**
 * The one writer of deliveries (`ai_visitor_webhook_delivery`): created by the fan-out (and by redelivery),
 * claimed by lease, marked delivered, retried or failed. Every method takes the manager it runs on.
 */
@Injectable()
export class DeliveryRepository {
  constructor(
    private readonly dialect: SqlDialect,
    private readonly events: EventRepository,
  ) {}

  /** Creates the deliveries that do not exist yet (the unique (endpoint, event) key makes the fan-out idempotent). */
  async insertMissing(manager: EntityManager, deliveries: readonly NewDelivery[], now: Date): Promise<void> {
    const rows = sortByKey(deliveries).map((d) => [
      d.webhookId,
      d.eventPk,
      d.taskId,
      d.sequence,
      DeliveryStatus.Pending,
      0,
      now,
      now,
    ]);
    await this.dialect.insertIgnore(manager, TABLE, NEW_COLUMNS, rows);
  }

  /**
   * Puts deliveries back to pending, due now, with a fresh retry period (creating those that do not exist): an
   * operator's redelivery. A delivery in flight keeps its lease; it is simply sent again afterwards.
   */
  async reset(manager: EntityManager, deliveries: readonly NewDelivery[], now: Date): Promise<void> {
    const rows = sortByKey(deliveries).map((d) => [
      d.webhookId,
      d.eventPk,
      d.taskId,
      d.sequence,
      DeliveryStatus.Pending,
      0,
      now,
      null,
      null,
      null,
      null,
      now,
    ]);
    await this.dialect.upsert(
      manager,
      TABLE,
      [...NEW_COLUMNS.slice(0, 7), 'first_attempt_at', 'last_status', 'last_error', 'delivered_at', 'created_at'],
      ['webhook_id', 'event_pk'],
      rows,
      RESET_COLUMNS,
    );
  }

  /**
   * Leases up to `limit` due deliveries to `owner` (unique per claim) and returns their ids. Due: pending,
   * `next_attempt_at` reached, lease free or expired (database time), endpoint enabled, and no earlier event of
   * the same task still pending for the same endpoint, so each endpoint gets a task's events in sequence order,
   * one at a time (a delivery given up, status failed, no longer holds the later ones; other tasks are never
   * held). A task's head is read by a loose index scan of idx_delivery_task_order, so the claim costs the same however many of a task's
   * events wait behind it. Rows another worker is claiming are skipped (SKIP LOCKED); on SQLite the conditional
   * UPDATE decides.
   *
   * The order check reads the table as of the statement's snapshot while the claim reads rows as last committed:
   * a fan-out committing between the two could show a task's two new deliveries as candidates while the snapshot
   * holds neither, and both would be claimed. So the claim first takes the `fanout` cursor row in share mode:
   * claims run side by side, but no fan-out commits during one (it locks that row for update), and the snapshot
   * then holds every delivery a candidate could wait for.
   */
  async claim(
    manager: EntityManager,
    owner: string,
    limit: number,
    now: Date,
    leaseSeconds: number,
  ): Promise<string[]> {
    await this.dialect.intendToWrite(manager, TABLE);
    await this.events.shareFanoutCursor(manager);
    const leaseFree = (alias: string) =>
      `(${alias}lease_until IS NULL OR ${alias}lease_until < ${this.dialect.nowPlus(0)})`;
    const due = (alias: string) =>
      `${alias}status = ${DeliveryStatus.Pending} AND ${alias}next_attempt_at <= ? AND ${leaseFree(alias)} ` +
      `AND ${alias}webhook_id IN (SELECT w.id FROM ai_visitor_webhook w WHERE w.enabled = 1)`;
    const when = this.dialect.dateParam(now);
    // Each (endpoint, task)'s head, its first pending delivery, read by a loose index scan of
    // (webhook_id, task_id, status, sequence) (migration DeliveryClaimIndexes): one probe per (endpoint, task), a
    // task's later deliveries never scanned, however many wait. The plan is fixed (heads first, both sides on that
    // index): on a young table MariaDB otherwise evaluated the grouping once per pending row (a LATERAL split),
    // and a claim over 5,000 pending deliveries took 8–80 s.
    const order = this.dialect.forceIndex('idx_delivery_task_order');
    const heads: { id: string | number }[] = await manager.query(
      `SELECT d.id
         FROM (SELECT webhook_id, task_id, MIN(sequence) AS seq FROM ${TABLE}${order}
               WHERE status = ${DeliveryStatus.Pending} AND task_id IS NOT NULL GROUP BY webhook_id, task_id) h
         ${this.dialect.orderedJoin()} ${TABLE} d${order}
           ON d.webhook_id = h.webhook_id AND d.task_id = h.task_id AND d.status = ${DeliveryStatus.Pending} AND d.sequence = h.seq
       WHERE ${due('d.')}
       ORDER BY d.next_attempt_at, d.id LIMIT ${Math.trunc(limit) * 2}`,
      [when],
    );
    // Events of no task (a firm's, an endpoint's) have no order to keep.
    const loose: { id: string | number }[] = await manager.query(
      `SELECT d.id FROM ${TABLE} d WHERE d.task_id IS NULL AND ${due('d.')} ORDER BY d.next_attempt_at, d.id LIMIT ${Math.trunc(limit)}`,
      [when],
    );
    const offered = [...heads, ...loose].map((c) => String(c.id));
    if (offered.length === 0) return [];
    // Rows another worker is claiming right now are skipped (SKIP LOCKED); on SQLite the conditional UPDATE decides.
    const candidates: { id: string | number }[] = await manager.query(
      `SELECT id FROM ${TABLE} WHERE id IN (${offered.map(() => '?').join(', ')}) AND status = ${DeliveryStatus.Pending} AND ${leaseFree('')}
       ORDER BY next_attempt_at, id LIMIT ${Math.trunc(limit)}${this.dialect.skipLockedClause()}`,
      offered,
    );
    if (candidates.length === 0) return [];
    const ids = candidates.map((c) => String(c.id));
    const marks = ids.map(() => '?').join(', ');
    await manager.query(
      `UPDATE ${TABLE} SET lease_owner = ?, lease_until = ${this.dialect.nowPlus(leaseSeconds)}
       WHERE id IN (${marks}) AND status = ${DeliveryStatus.Pending} AND ${leaseFree('')}`,
      [owner, ...ids],
    );
    const won: { id: string | number }[] = await manager.query(
      `SELECT id FROM ${TABLE} WHERE id IN (${marks}) AND lease_owner = ?`,
      [...ids, owner],
    );
    return won.map((w) => String(w.id));
  }

  find(manager: EntityManager, ids: readonly string[]): Promise<WebhookDeliveryEntity[]> {
    return ids.length === 0
      ? Promise.resolve([])
      : manager.getRepository(WebhookDeliveryEntity).find({ where: { id: In([...ids]) }, order: { id: 'ASC' } });
  }

  /**
   * Marks deliveries made (whoever holds their leases now: the receiver has them), in two statements whatever
   * their number: the ones still pending locked, then updated from one derived table. Returns how many were still
   * pending; the others had been recorded meanwhile by another worker (this one's lease had expired).
   */
  async markDelivered(manager: EntityManager, made: readonly DeliveryMade[]): Promise<number> {
    if (made.length === 0) return 0;
    const ids = [...new Set(made.map((m) => String(m.id)))].sort((a, b) => Number(a) - Number(b));
    const pending: { id: string | number }[] = await manager.query(
      `SELECT id FROM ${TABLE} WHERE id IN (${ids.map(() => '?').join(', ')}) AND status = ${DeliveryStatus.Pending}
       ORDER BY id${this.dialect.forUpdateClause()}`,
      ids,
    );
    const still = new Set(pending.map((p) => String(p.id)));
    const rows = made
      .filter((m) => still.delete(String(m.id)))
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map((m) => [Number(m.id), this.dialect.dateParam(m.attemptedAt), this.dialect.dateParam(m.at), m.httpStatus]);
    await this.dialect.updateRows(manager, TABLE, 'id', ['first_attempt_at', 'delivered_at', 'last_status'], rows, {
      status: String(DeliveryStatus.Delivered),
      attempts: 't.attempts + 1',
      first_attempt_at: 'COALESCE(t.first_attempt_at, v.first_attempt_at)',
      delivered_at: 'v.delivered_at',
      last_status: 'v.last_status',
      last_error: 'NULL',
      lease_owner: 'NULL',
      lease_until: 'NULL',
    });
    return rows.length;
  }

  /**
   * Gives up deliveries that can never be sent (UnsendableReason), still pending and not leased to another
   * worker: status failed, the reason in `last_error`, so they hold no later event of their task and no longer
   * count as pending. `owner`: the claim that holds them (the relay, which found out on loading them); absent
   * (the housekeeping), only those no lease holds. Returns how many it gave up.
   */
  async giveUp(
    manager: EntityManager,
    ids: readonly string[],
    reason: UnsendableReason,
    owner?: string,
  ): Promise<number> {
    if (ids.length === 0) return 0;
    const sorted = [...new Set(ids)].sort((a, b) => Number(a) - Number(b));
    const held =
      owner === undefined
        ? `(lease_until IS NULL OR lease_until < ${this.dialect.nowPlus(0)})`
        : 'lease_owner = :owner';
    const result = await manager
      .createQueryBuilder()
      .update(WebhookDeliveryEntity)
      .set({ status: DeliveryStatus.Failed, lastError: UNSENDABLE_ERRORS[reason], leaseOwner: null, leaseUntil: null })
      .where(`id IN (:...ids) AND status = :pending AND ${held}`, {
        ids: sorted,
        pending: DeliveryStatus.Pending,
        owner,
      })
      .execute();
    return result.affected ?? 0;
  }

  /**
   * Up to `limit` pending deliveries that can never be sent, by reason, that no lease holds: their event is no
   * longer stored, or is a batch row (never an event: a batch is rendered into events of its own). The
   * housekeeping's: one scan of the pending deliveries, each event looked up by its primary key (as the
   * oldest-undelivered gauge reads them on every scrape).
   *
   * Here rather than in EventRepository (the home of every other statement on `ai_visitor_event`): the statement
   * is about deliveries (it scans and returns them, and reads an event only by the delivery's key), and one join
   * keeps it one round trip.
   */
  async findUnsendable(manager: EntityManager, limit: number): Promise<Map<UnsendableReason, string[]>> {
    const rows: { id: string | number; gone: string | number }[] = await manager.query(
      `SELECT d.id, CASE WHEN e.id IS NULL THEN 1 ELSE 0 END AS gone
         FROM ${TABLE} d LEFT JOIN ai_visitor_event e ON e.id = d.event_pk
        WHERE d.status = ${DeliveryStatus.Pending} AND (d.lease_until IS NULL OR d.lease_until < ${this.dialect.nowPlus(0)})
          AND (e.id IS NULL OR e.type LIKE '${BATCH_TYPE_PREFIX}%')
        LIMIT ${Math.trunc(limit)}`,
    );
    const found = new Map<UnsendableReason, string[]>(UNSENDABLE_REASONS.map((reason) => [reason, []]));
    for (const row of rows) found.get(Number(row.gone) === 1 ? 'event_gone' : 'unrendered')!.push(String(row.id));
    return found;
  }

  /**
   * When the oldest event among the pending deliveries of enabled endpoints was created (null: none), for the
   * `aiv_webhook_oldest_undelivered_seconds` gauge (index idx_delivery_due). Here rather than in EventRepository
   * for the reason findUnsendable is: the statement scans deliveries and reads each one's event by its key.
   */
  async oldestUndelivered(manager: EntityManager): Promise<Date | string | null> {
    const [row]: { oldest: Date | string | null }[] = await manager.query(
      `SELECT MIN(e.created_at) AS oldest FROM ai_visitor_webhook_delivery d JOIN ai_visitor_event e ON e.id = d.event_pk
       WHERE d.status = ${DeliveryStatus.Pending} AND d.webhook_id IN (SELECT w.id FROM ai_visitor_webhook w WHERE w.enabled = 1)`,
    );
    return row?.oldest ?? null;
  }

  /**
   * Gives back deliveries a claim took and did not send (the lease running short before their POST could start,
   * or their event not positioned yet): the lease cleared, nothing else changed, so the next claim takes them
   * at once rather than after the lease expired. Only while `owner` still holds them.
   */
  async release(manager: EntityManager, ids: readonly string[], owner: string): Promise<void> {
    if (ids.length === 0) return;
    const sorted = [...new Set(ids)].sort((a, b) => Number(a) - Number(b));
    await manager.query(
      `UPDATE ${TABLE} SET lease_owner = NULL, lease_until = NULL
        WHERE id IN (${sorted.map(() => '?').join(', ')}) AND lease_owner = ? AND status = ${DeliveryStatus.Pending}`,
      [...sorted, owner],
    );
  }

  /**
   * Records a failed attempt, only while `owner` still holds the lease (a worker whose lease expired and was
   * taken over leaves the delivery to the new holder); whether it did.
   */
  async markFailed(manager: EntityManager, id: string, owner: string, attempt: FailedAttempt): Promise<boolean> {
    const result = await manager.getRepository(WebhookDeliveryEntity).update(
      { id, status: DeliveryStatus.Pending, leaseOwner: owner },
      {
        status: attempt.status,
        attempts: () => 'attempts + 1',
        firstAttemptAt: attempt.firstAttemptAt,
        nextAttemptAt: attempt.nextAttemptAt,
        lastStatus: attempt.lastStatus,
        lastError: attempt.lastError.slice(0, MAX_ERROR),
        leaseOwner: null,
        leaseUntil: null,
      },
    );
    return (result.affected ?? 0) === 1;
  }
}

/** In (endpoint, event) key order, so concurrent writers lock rows in one order. */
function sortByKey(deliveries: readonly NewDelivery[]): NewDelivery[] {
  const key = (d: NewDelivery) => [BigInt(d.webhookId), BigInt(d.eventPk)] as const;
  return [...deliveries].sort((a, b) => {
    const [aw, ae] = key(a);
    const [bw, be] = key(b);
    return aw !== bw ? (aw < bw ? -1 : 1) : ae < be ? -1 : ae > be ? 1 : 0;
  });
}
