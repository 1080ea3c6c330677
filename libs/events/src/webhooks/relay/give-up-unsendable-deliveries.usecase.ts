import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/database';
import { DeliveryRepository } from '../delivery.repository';
import { UNSENDABLE_REASONS } from '../domain/unsendable';
import { RelayMetrics } from '../metrics/webhook-metrics';

/** Deliveries looked at per transaction: short transactions, whatever the backlog. */
const BATCH = 1000;

export interface GiveUpUnsendableDeliveriesCommand {
  /** Deliveries looked at per transaction (1,000 by default). */
  batch?: number;
}

export interface UnsendableSummary {
  /** Deliveries given up: their event no longer stored… */
  eventGone: number;
  /** …or a batch row never rendered. */
  unrendered: number;
}

/**
 * Gives up the pending deliveries that can never be sent (UnsendableReason: the event gone, or a batch row never
 * rendered), each marked failed with its reason and counted in `aiv_webhook_deliveries_unsendable_total`. The
 * relay gives up such a delivery when it claims one, but some are never claimed: a task's delivery without a
 * sequence (a batch row's) is never its task's head. Without this they stayed pending for ever, and so did the
 * endpoint's `pendingDeliveries`. For the worker's events housekeeping (EVENTS_PURGE_CRON, after the purge);
 * several workers may run it at once (a delivery is given up once, and counted once, by whichever gets it).
 */
@Injectable()
export class GiveUpUnsendableDeliveries {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly deliveries: DeliveryRepository,
    private readonly metrics: RelayMetrics,
  ) {}

  async execute({ batch = BATCH }: GiveUpUnsendableDeliveriesCommand = {}): Promise<UnsendableSummary> {
    const summary: UnsendableSummary = { eventGone: 0, unrendered: 0 };
    for (;;) {
      const found = await this.deliveries.findUnsendable(this.tx.autocommit, batch);
      const total = [...found.values()].reduce((n, ids) => n + ids.length, 0);
      if (total === 0) return summary;
      const given = await this.tx.run(async (manager) => {
        const counts: UnsendableSummary = { eventGone: 0, unrendered: 0 };
        for (const reason of UNSENDABLE_REASONS) {
          const n = await this.deliveries.giveUp(manager, found.get(reason) ?? [], reason);
          if (reason === 'event_gone') counts.eventGone = n;
          else counts.unrendered = n;
        }
        return counts;
      });
      // Counted after commit, as the relay counts its outcomes.
      this.metrics.unsendable('event_gone', given.eventGone);
      this.metrics.unsendable('unrendered', given.unrendered);
      summary.eventGone += given.eventGone;
      summary.unrendered += given.unrendered;
      // A batch not full was the last; one that gave up nothing (taken by a relay meanwhile) would find them again.
      if (total < batch || given.eventGone + given.unrendered === 0) return summary;
    }
  }
}
