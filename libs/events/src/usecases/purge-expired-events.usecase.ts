import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '@app/core';
import { parseDbDate, TransactionRunner } from '@app/database';
import { eventsConfig, EventsSettings } from '../events.config';
import { EventRepository } from '../event.repository';

/** Events deleted per transaction: short transactions, whatever the backlog. */
const BATCH = 1000;
const DAY_MS = 24 * 3600_000;

export interface PurgeExpiredEventsCommand {
  /** Events deleted per transaction (1,000 by default). */
  batch?: number;
}

export interface PurgeSummary {
  events: number;
  deliveries: number;
}

/**
 * Deletes the events older than EVENTS_RETENTION_DAYS with their webhook deliveries, oldest first, a batch per
 * transaction (the feed's reach is the retention: a reader further behind resumes at the oldest event kept).
 * For the worker's cron (EVENTS_PURGE_CRON); several workers may run it at once (a row deleted twice is not).
 */
@Injectable()
export class PurgeExpiredEvents {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
    private readonly events: EventRepository,
    @Inject(eventsConfig.KEY) private readonly settings: EventsSettings,
  ) {}

  async execute({ batch = BATCH }: PurgeExpiredEventsCommand = {}): Promise<PurgeSummary> {
    const cutoffDate = new Date(this.clock.now().getTime() - this.settings.retentionDays * DAY_MS);
    const summary: PurgeSummary = { events: 0, deliveries: 0 };
    for (;;) {
      const round = await this.tx.run(async (manager) => {
        // The oldest events by primary key (ids grow with time): the walk stops at the first one still kept, so a
        // round reads one batch whatever the table's size, and created_at needs no index.
        const oldest = await this.events.oldest(manager, batch);
        const keptFrom = oldest.findIndex((r) => !(parseDbDate(r.created_at) < cutoffDate));
        const rows = keptFrom === -1 ? oldest : oldest.slice(0, keptFrom);
        if (rows.length === 0) return { events: 0, deliveries: 0 };
        const ids = rows.map((r) => Number(r.id));
        const deliveries = await manager
          .createQueryBuilder()
          .delete()
          .from('ai_visitor_webhook_delivery')
          .where('event_pk IN (:...ids)', { ids })
          .execute();
        await this.events.deleteByIds(manager, ids);
        return { events: ids.length, deliveries: deliveries.affected ?? 0 };
      });
      summary.events += round.events;
      summary.deliveries += round.deliveries;
      if (round.events < batch) return summary;
    }
  }
}
