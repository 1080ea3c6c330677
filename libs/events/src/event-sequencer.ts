import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { failpoint } from '@app/core';
import { parseDbDate, SqlDialect, TransactionRunner } from '@app/database';
import { NewEvent, StoredEventBatch } from './domain/event';
import { BATCH_TYPE_PREFIX, EVENT_BATCH_RENDERERS, EventBatchRenderer } from './event-batch-renderer';
import { EventRepository, UnpositionedRow } from './event.repository';
import { EventMetrics } from './metrics/event-metrics';

/** Events positioned per round at most (a batch row counts as its entries; one row is always taken). */
const BATCH = 1000;

type PendingRow = UnpositionedRow;

interface Round {
  types: string[];
  /** Rows were left for another round. */
  more: boolean;
}

/**
 * Gives committed events their place in the feed (`position`), in one transaction at a time across every process
 * (the `feed` cursor row is locked). Only committed rows are seen, and each round numbers them after every
 * position already given, so a reader paging by position never misses an event whose transaction committed
 * after a later one's: it simply gets a later position. Per task, events commit in `sequence` order (the task's
 * lock), so positions keep that order too.
 *
 * A batch row (`EventOutbox.appendBatch`) is rendered into its events here, by its kind's renderer, given by the
 * app to the module that hosts this sequencer (EventBatchRenderers, checked at boot): its events are inserted positioned, in the batch's place, and the batch row deleted,
 * in the same transaction, so each is rendered exactly once and nothing sees a batch half rendered.
 */
@Injectable()
export class EventSequencer {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly dialect: SqlDialect,
    private readonly events: EventRepository,
    private readonly metrics: EventMetrics,
    @Inject(EVENT_BATCH_RENDERERS) private readonly renderers: ReadonlyMap<string, EventBatchRenderer>,
  ) {}

  /**
   * Positions the events committed and not positioned yet (up to about `limit`); returns how many. `wait: false`
   * (a feed read) gives up at once when another process is sequencing: that one is doing the work, and a reader
   * misses nothing by not waiting (what it positions comes after every position already visible).
   */
  async sequence(limit = BATCH, options: { wait?: boolean } = {}): Promise<number> {
    return (await this.round(limit, options.wait ?? true)).types.length;
  }

  /** Positions everything committed so far (a few rounds at most), for the feed and tests. */
  async sequenceAll(options: { wait?: boolean } = {}): Promise<number> {
    let total = 0;
    for (;;) {
      const round = await this.round(BATCH, options.wait ?? true);
      total += round.types.length;
      if (!round.more) return total;
    }
  }

  private async round(limit: number, wait: boolean): Promise<Round> {
    const round = await this.tx.run(async (manager): Promise<Round> => {
      const last = await this.events.lockFeedCursor(manager, wait);
      if (last === null) return { types: [], more: false };
      const rows = await this.events.unpositioned(manager, limit);
      // Whole rows, in id order, up to `limit` events (always the first, however large).
      const taken: { row: PendingRow; entries: unknown[] | null }[] = [];
      let count = 0;
      for (const row of rows) {
        const entries = row.type.startsWith(BATCH_TYPE_PREFIX) ? (JSON.parse(row.data ?? '[]') as unknown[]) : null;
        const size = entries ? entries.length : 1;
        if (taken.length > 0 && count + size > limit) break;
        taken.push({ row, entries });
        count += size;
      }
      if (taken.length === 0) return { types: [], more: false };
      const rendered = await this.render(
        manager,
        taken.filter((t) => t.entries !== null) as { row: PendingRow; entries: unknown[] }[],
      );

      let position = last;
      const types: string[] = [];
      const moved: [number, number][] = [];
      const inserted: unknown[][] = [];
      const batchIds: number[] = [];
      for (const { row, entries } of taken) {
        if (entries === null) {
          moved.push([Number(row.id), ++position]);
          types.push(row.type);
          continue;
        }
        batchIds.push(Number(row.id));
        const createdAt = this.dialect.dateParam(parseDbDate(row.created_at));
        for (const e of rendered.get(Number(row.id)) ?? []) {
          inserted.push([
            e.type,
            e.firmId,
            e.taskId ?? null,
            e.sequence ?? null,
            JSON.stringify(e.data),
            createdAt,
            e.contactId ?? null,
            ++position,
            row.traceparent ?? null, // tracing (issue 23, item 5): the batch's trace context, for its deliveries
          ]);
          types.push(e.type);
        }
      }
      if (moved.length > 0) await this.events.setPositions(manager, moved);
      if (inserted.length > 0) await this.events.insertPositioned(manager, inserted);
      if (inserted.length > 0) failpoint('sequence.after-render');
      if (batchIds.length > 0) await this.events.deleteBatchRows(manager, batchIds);
      await this.events.moveFeedCursor(manager, position);
      return { types, more: taken.length < rows.length || rows.length === Math.trunc(limit) };
    });
    // Counted after commit: a round rolled back (and run again) counts its events once.
    this.metrics.positioned(round.types);
    return round;
  }

  /** Each batch row's events, by row id; grouped by kind, one renderer call per kind. */
  private async render(
    manager: EntityManager,
    batches: readonly { row: PendingRow; entries: unknown[] }[],
  ): Promise<Map<number, NewEvent[]>> {
    const byKind = new Map<string, { row: PendingRow; entries: unknown[] }[]>();
    for (const batch of batches) {
      const kind = batch.row.type.slice(BATCH_TYPE_PREFIX.length);
      byKind.set(kind, [...(byKind.get(kind) ?? []), batch]);
    }
    const events = new Map<number, NewEvent[]>();
    for (const [kind, group] of byKind) {
      const renderer = this.rendererOf(kind);
      const stored: StoredEventBatch[] = group.map(({ row, entries }) => ({
        firmId: row.firm_id === null ? null : String(row.firm_id),
        taskId: row.task_id === null ? null : String(row.task_id),
        entries,
      }));
      const out = await renderer.render(manager, stored);
      group.forEach(({ row }, i) => events.set(Number(row.id), out[i] ?? []));
    }
    return events;
  }

  private rendererOf(kind: string): EventBatchRenderer {
    const renderer = this.renderers.get(kind);
    // Every known kind has its renderer (checked at boot); a kind this version does not know (written by a newer
    // one) stays in the outbox, the round rolled back, until a process that knows it runs.
    if (!renderer)
      throw new Error(`no renderer for event batches of kind '${kind}' in this process (not in EVENT_BATCH_KINDS)`);
    return renderer;
  }
}
