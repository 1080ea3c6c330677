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
/**
 * A chain looks this many sequence numbers ahead per delivery it may take: a task's sequence counts all its
 * events, an endpoint receives some types only, so its deliveries of one task skip numbers.
 */
const CHAIN_SPAN = 4;

/** A claim's row: its (endpoint, task) and place in the task. */
interface ClaimRow {
  id: string | number;
  webhook_id: string | number;
  task_id: string | number | null;
  sequence: string | number | null;
}
/** Marks the end of a chain: a delivery not ready yet, which holds the ones after it. */
const STOPPED: ClaimRow = { id: '', webhook_id: '', task_id: null, sequence: null };

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
   * Leases due deliveries to `owner` (unique per claim) and returns their ids: up to `heads` (endpoint, task)
   * heads and deliveries of no task, and behind each head up to `chain - 1` of the task's next deliveries to the
   * same endpoint. Due: pending, `next_attempt_at` reached, lease free or expired (database time), endpoint
   * enabled. A head is a task's first pending delivery for an endpoint: no earlier event of the task is still
   * pending there, so each endpoint gets a task's events in sequence order (a delivery given up, status failed, no
   * longer holds the later ones; other tasks are never held). Its chain is the pending deliveries that follow it in
   * sequence order, each due too, up to the first that is not (one waiting for a retry holds the rest): the
   * relay sends a chain in order, one POST after the other, and stops at its first failure (WebhookDeliverer). So
   * a round takes more than one event of a task, and the order holds as with heads alone; the whole chain is
   * leased with its head, so no other worker can claim a later event of the task while this one holds the head.
   *
   * A task's head is read by a loose index scan of idx_delivery_task_order, so the claim costs the same however
   * many of a task's events wait behind it; each chain is one range of that index. Heads another worker is
   * claiming are skipped (SKIP LOCKED); on SQLite the conditional UPDATE decides.
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
    { heads: limit, chain }: { heads: number; chain: number },
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
    const headRows: { id: string | number }[] = await manager.query(
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
    const offered = [...headRows, ...loose].map((c) => String(c.id));
    if (offered.length === 0) return [];
    // Rows another worker is claiming right now are skipped (SKIP LOCKED); on SQLite the conditional UPDATE decides.
    const candidates: ClaimRow[] = await manager.query(
      `SELECT id, webhook_id, task_id, sequence FROM ${TABLE}
        WHERE id IN (${offered.map(() => '?').join(', ')}) AND status = ${DeliveryStatus.Pending} AND ${leaseFree('')}
        ORDER BY next_attempt_at, id LIMIT ${Math.trunc(limit)}${this.dialect.skipLockedClause()}`,
      offered,
    );
    if (candidates.length === 0) return [];
    const chains = await this.chainsBehind(manager, candidates, Math.trunc(chain), when);
    const ids = chains.flat();
    const marks = ids.map(() => '?').join(', ');
    await manager.query(
      `UPDATE ${TABLE} SET lease_owner = ?, lease_until = ${this.dialect.nowPlus(leaseSeconds)}
       WHERE id IN (${marks}) AND status = ${DeliveryStatus.Pending} AND ${leaseFree('')}`,
      [owner, ...ids],
    );
    const wonRows: { id: string | number }[] = await manager.query(
      `SELECT id FROM ${TABLE} WHERE id IN (${marks}) AND lease_owner = ?`,
      [...ids, owner],
    );
    const won = new Set(wonRows.map((w) => String(w.id)));
    // A chain is sent only up to its first delivery this claim did not win (another worker's meanwhile, on SQLite's
    // conditional UPDATE): what follows such a gap would overtake it, so it is given back at once.
    const kept: string[] = [];
    const behindGap: string[] = [];
    for (const ids of chains) {
      const gap = ids.findIndex((id) => !won.has(id));
      kept.push(...(gap === -1 ? ids : ids.slice(0, gap)));
      if (gap !== -1) behindGap.push(...ids.slice(gap + 1).filter((id) => won.has(id)));
    }
    await this.release(manager, behindGap, owner);
    return kept;
  }

  /**
   * Each candidate with the deliveries that follow it for its (endpoint, task), in sequence order: up to `chain`
   * in all, the task's pending deliveries among the next `chain` × CHAIN_SPAN sequence numbers, stopping before
   * the first that is not due (waiting for a retry, or leased). A candidate of no task stands alone.
   */
  private async chainsBehind(
    manager: EntityManager,
    candidates: readonly ClaimRow[],
    chain: number,
    when: unknown,
  ): Promise<string[][]> {
    const heads = chain > 1 ? candidates.filter((c) => c.task_id !== null && c.sequence !== null) : [];
    const behind = new Map<string, ClaimRow[]>();
    if (heads.length > 0) {
      const span = chain * CHAIN_SPAN;
      const ranges = heads
        .map(() => '(webhook_id = ? AND task_id = ? AND sequence > ? AND sequence <= ?)')
        .join(' OR ');
      const params = heads.flatMap((h) => [h.webhook_id, h.task_id, Number(h.sequence), Number(h.sequence) + span]);
      const rows: (ClaimRow & { ready: string | number })[] = await manager.query(
        `SELECT id, webhook_id, task_id, sequence,
                CASE WHEN next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ${this.dialect.nowPlus(0)})
                     THEN 1 ELSE 0 END AS ready
           FROM ${TABLE}${this.dialect.forceIndex('idx_delivery_task_order')}
          WHERE status = ${DeliveryStatus.Pending} AND (${ranges})
          ORDER BY webhook_id, task_id, sequence`,
        [when, ...params],
      );
      for (const row of rows) {
        const key = `${row.webhook_id}:${row.task_id}`;
        const list = behind.get(key) ?? behind.set(key, []).get(key)!;
        // Stops at the first delivery not ready: the ones after it wait for it.
        if (list.length < chain - 1 && (list.length === 0 || list[list.length - 1] !== STOPPED)) {
          list.push(Number(row.ready) === 1 ? row : STOPPED);
        }
      }
    }
    return candidates.map((c) => {
      const rest = c.task_id === null ? [] : (behind.get(`${c.webhook_id}:${c.task_id}`) ?? []);
      const stop = rest.indexOf(STOPPED);
      return [c, ...(stop === -1 ? rest : rest.slice(0, stop))].map((r) => String(r.id));
    });
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
