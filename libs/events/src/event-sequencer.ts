import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SqlDialect, TransactionRunner } from '@app/database';
import { EventMetrics } from './metrics/event-metrics';

/** Events positioned per round at most. */
const BATCH = 1000;

/**
 * Gives committed events their place in the feed (`position`), in one transaction at a time across every process
 * (the `feed` cursor row is locked). Only committed rows are seen, and each round numbers them after every
 * position already given, so a reader paging by position never misses an event whose transaction committed
 * after a later one's: it simply gets a later position. Per task, events commit in `sequence` order (the task's
 * lock), so positions keep that order too.
 */
@Injectable()
export class EventSequencer {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly dialect: SqlDialect,
    private readonly metrics: EventMetrics,
  ) {}

  /**
   * Positions the events committed and not positioned yet (up to `limit`); returns how many. `wait: false` (a
   * feed read) gives up at once when another process is sequencing: that one is doing the work, and a reader
   * misses nothing by not waiting (what it positions comes after every position already visible).
   */
  async sequence(limit = BATCH, options: { wait?: boolean } = {}): Promise<number> {
    const types = await this.tx.run(async (manager) => {
      const last = await this.lockCursor(manager, 'feed', options.wait ?? true);
      if (last === null) return [];
      const rows: { id: string | number; type: string }[] = await manager.query(
        `SELECT id, type FROM ai_visitor_event WHERE position IS NULL ORDER BY id LIMIT ${Math.trunc(limit)}`,
      );
      if (rows.length === 0) return [];
      const positioned = rows.map((r, i) => [Number(r.id), last + i + 1]);
      await this.dialect.updateRows(manager, 'ai_visitor_event', 'id', ['position'], positioned, { position: 'v.position' });
      await manager.query(`UPDATE ai_visitor_event_cursor SET position = ? WHERE name = 'feed'`, [last + rows.length]);
      return rows.map((r) => r.type);
    });
    // Counted after commit: a round rolled back (and run again) counts its events once.
    this.metrics.positioned(types);
    return types.length;
  }

  /** Positions everything committed so far (a few rounds at most), for the feed and tests. */
  async sequenceAll(options: { wait?: boolean } = {}): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.sequence(BATCH, options);
      total += n;
      if (n < BATCH) return total;
    }
  }

  /** The cursor's position, its row locked; null when `wait` is false and another transaction holds it. */
  private async lockCursor(manager: EntityManager, name: string, wait: boolean): Promise<number | null> {
    const [row]: { position: string | number }[] = await manager.query(
      `SELECT position FROM ai_visitor_event_cursor WHERE name = ?${wait ? this.dialect.forUpdateClause() : this.dialect.skipLockedClause()}`,
      [name],
    );
    return row ? Number(row.position) : null;
  }
}
