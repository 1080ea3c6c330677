import { DiscoveryService } from '@nestjs/core';
import { EntityManager } from 'typeorm';
import { NewEvent, StoredEventBatch } from './domain/event';

/**
 * Marks the provider that renders one kind of event batch (`EventOutbox.appendBatch`): the lib that writes the
 * batches provides it, and the sequencer finds it (Nest's DiscoveryService), so the events lib depends on no
 * domain lib. `@RendersEventBatches('records')`.
 */
export const RendersEventBatches = DiscoveryService.createDecorator<string>();

/** Turns stored batches into their events, in the sequencer's transaction (read what the change committed). */
export interface EventBatchRenderer {
  /** One list of events per batch, in the batch's order, each with its task's `sequence`. */
  render(manager: EntityManager, batches: readonly StoredEventBatch[]): Promise<NewEvent[][]>;
}

/** The outbox row type of a batch of `kind`: never a published type, never positioned. */
export function batchRowType(kind: string): string {
  return `${BATCH_TYPE_PREFIX}${kind}`;
}

export const BATCH_TYPE_PREFIX = 'batch:';
