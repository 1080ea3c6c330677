import { Injectable } from '@nestjs/common';
import { Clock } from '@app/core';
import { TransactionRunner } from '@app/database';
import { EventEntity } from '../../entities/event.entity';
import { rowIdOf } from '../../event-outbox';
import { EventRepository } from '../../event.repository';
import { endpointReceives } from '../domain/endpoint-match';
import { InvalidRedeliveryError, WebhookNotFoundError } from '../domain/webhook-errors';
import { DeliveryRepository, NewDelivery } from '../delivery.repository';
import { typesOf, WebhookRepository } from '../webhook.repository';

export interface RedeliverEventsCommand {
  webhookId: string;
  /** Events created in [from, to)… */
  from?: Date;
  to?: Date;
  /** …or these events (`evt_…`). Exactly one of the two forms. */
  eventIds?: string[];
}

export interface RedeliveryResult {
  /** Deliveries put back to pending (or created), among the events the endpoint receives (its firm, its types). */
  scheduled: number;
}

const BATCH = 1000;

/**
 * Sends events to an endpoint again (operations): each event it receives (its firm's, of its types) in the
 * range or the list gets its delivery back to pending, due now, with a fresh retry period; one that never had a
 * delivery (before the endpoint existed, or while it was disabled) gets one. Per-task order holds as always: a
 * task's later pending events wait for the earlier ones. Events past retention are gone and not counted.
 *
 * Only events in the feed are taken: positioned, which a batch row never is (EventOutbox.appendBatch: the
 * sequencer renders it into events of their own and deletes it). A batch row's delivery could never be sent (a
 * task's delivery without a sequence is never its task's head: it stayed pending for ever), and an event not
 * positioned yet would go out without its position; both are fanned out like any event once the sequencer has
 * positioned them.
 */
@Injectable()
export class RedeliverEvents {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly webhooks: WebhookRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly events: EventRepository,
    private readonly clock: Clock,
  ) {}

  async execute(command: RedeliverEventsCommand): Promise<RedeliveryResult> {
    const byRange = command.from !== undefined || command.to !== undefined;
    const byIds = command.eventIds !== undefined;
    if (byRange === byIds)
      throw new InvalidRedeliveryError('Give either from and to, or eventIds', [
        { field: 'from', errors: ['either from and to, or eventIds'] },
      ]);
    if (byRange && (command.from === undefined || command.to === undefined || command.from >= command.to)) {
      throw new InvalidRedeliveryError('from and to must both be given, from before to', [
        { field: 'to', errors: ['to must be after from'] },
      ]);
    }
    const endpoint = await this.webhooks.find(this.tx.autocommit, command.webhookId);
    if (!endpoint) throw new WebhookNotFoundError(command.webhookId);
    const types = typesOf(endpoint.eventTypes);
    const scope = {
      firmId: endpoint.firmId === null ? null : String(endpoint.firmId),
      eventTypes: types && new Set<string>(types),
    };

    let scheduled = 0;
    let afterId = '0';
    for (;;) {
      const events = await this.page(command, scope.firmId, afterId);
      if (events.length === 0) break;
      const mine: NewDelivery[] = events
        .filter((e) => endpointReceives(scope, { type: e.type, firmId: e.firmId === null ? null : String(e.firmId) }))
        .map((e) => ({
          webhookId: command.webhookId,
          eventPk: String(e.id),
          taskId: e.taskId === null ? null : String(e.taskId),
          sequence: e.sequence,
        }));
      if (mine.length > 0) await this.tx.run((manager) => this.deliveries.reset(manager, mine, this.clock.now()));
      scheduled += mine.length;
      afterId = String(events[events.length - 1].id);
      if (events.length < BATCH) break;
    }
    return { scheduled };
  }

  /** The next positioned events of the range or list, by id (keyset), of the endpoint's firm when it has one. */
  private page(command: RedeliverEventsCommand, firmId: string | null, afterId: string): Promise<EventEntity[]> {
    // A public id is `evt_<row id>`; one that is not names no event.
    const ids = command.eventIds?.map(rowIdOf).filter((id): id is string => id !== null);
    return this.events.redeliveryPage(this.tx.autocommit, {
      afterId,
      firmId,
      ids,
      from: command.from,
      to: command.to,
      limit: BATCH,
    });
  }
}
