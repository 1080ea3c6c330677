import { Injectable } from '@nestjs/common';
import { Clock } from '@app/core';
import { SqlDialect, TransactionRunner } from '@app/database';
import { EventRepository } from '../../event.repository';
import { WebhookRepository } from '../webhook.repository';
import { DeliveryRepository, NewDelivery } from '../delivery.repository';
import { endpointReceives } from '../domain/endpoint-match';

/** Events turned into deliveries per round at most. */
const BATCH = 1000;

/**
 * Turns positioned events into deliveries: for each event after the `fanout` cursor, one delivery per enabled
 * endpoint that receives it, and the cursor moved past them, in one transaction (the cursor row is locked, so
 * one worker at a time fans out and no event is fanned out twice or skipped). Positions are given after commit
 * in increasing order (EventSequencer), so reading past the cursor by position never misses one. An endpoint gets
 * the events fanned out after it was registered (enabled); earlier ones are a redelivery away.
 */
@Injectable()
export class WebhookFanout {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly dialect: SqlDialect,
    private readonly webhooks: WebhookRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly events: EventRepository,
    private readonly clock: Clock,
  ) {}

  /** One round; returns the events fanned out and the deliveries created. */
  async fanOut(limit = BATCH): Promise<{ events: number; deliveries: number }> {
    return this.tx.run(async (manager) => {
      await this.dialect.intendToWrite(manager, 'ai_visitor_webhook_delivery');
      const after = await this.events.lockFanoutCursor(manager);
      const events = await this.events.positionedAfter(manager, after, limit);
      if (events.length === 0) return { events: 0, deliveries: 0 };
      const endpoints = await this.webhooks.enabledFilters(manager);
      const deliveries: NewDelivery[] = [];
      for (const e of events) {
        const event = { type: e.type, firmId: e.firm_id === null ? null : String(e.firm_id) };
        for (const endpoint of endpoints) {
          if (!endpointReceives(endpoint, event)) continue;
          deliveries.push({
            webhookId: endpoint.id,
            eventPk: String(e.id),
            taskId: e.task_id === null ? null : String(e.task_id),
            sequence: e.sequence === null ? null : Number(e.sequence),
          });
        }
      }
      await this.deliveries.insertMissing(manager, deliveries, this.clock.now());
      await this.events.moveFanoutCursor(manager, Number(events[events.length - 1].position));
      return { events: events.length, deliveries: deliveries.length };
    });
  }
}
