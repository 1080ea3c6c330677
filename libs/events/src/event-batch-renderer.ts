import { ModuleMetadata, Provider, Type } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { NewEvent, StoredEventBatch } from './domain/event';
import { EVENT_BATCH_KINDS, EventBatchKind } from './domain/event-types';

/** Turns stored batches into their events, in the sequencer's transaction (read what the change committed). */
export interface EventBatchRenderer {
  /** One list of events per batch, in the batch's order, each with its task's `sequence`. */
  render(manager: EntityManager, batches: readonly StoredEventBatch[]): Promise<NewEvent[][]>;
}

/**
 * The port batches are rendered through, given by the app to the module that hosts the sequencer (as the
 * relay is given its full-number port): the module that provides the renderers, and the renderer of each kind.
 * The lib that writes a kind implements its renderer (the task lib's `ContactCalledEvents`), so this lib depends
 * on no domain lib.
 */
export interface EventBatchRenderers {
  imports?: ModuleMetadata['imports'];
  renderers: Record<EventBatchKind, Type<EventBatchRenderer>>;
}

/** The renderers by kind, as the sequencer reads them (ReadonlyMap<string, EventBatchRenderer>). */
export const EVENT_BATCH_RENDERERS = Symbol('EVENT_BATCH_RENDERERS');

/**
 * The provider of EVENT_BATCH_RENDERERS. It fails the boot, naming the kind, when a kind has no renderer or a
 * renderer cannot render: without one, such batches would stay in the outbox and every sequencing round (the
 * relay's, a feed read's) would fail on the first of them.
 */
export function eventBatchRenderersProvider(given: EventBatchRenderers): Provider {
  const kinds = EVENT_BATCH_KINDS.filter((kind) => given.renderers?.[kind] !== undefined);
  return {
    provide: EVENT_BATCH_RENDERERS,
    inject: kinds.map((kind) => given.renderers[kind]),
    useFactory: (...instances: unknown[]): ReadonlyMap<string, EventBatchRenderer> => {
      const renderers = new Map(kinds.map((kind, i) => [kind as string, instances[i] as EventBatchRenderer]));
      for (const kind of EVENT_BATCH_KINDS) {
        const renderer = renderers.get(kind);
        if (typeof renderer?.render !== 'function') {
          throw new Error(
            `the events sequencer has no renderer for event batches of kind '${kind}': give batchRenderers.renderers.${kind} ` +
              "(the task lib's ContactCalledEvents) to EventFeedModule.forRoot or WebhookRelayModule.forRoot; " +
              'without it this process would fail at the first such batch it sequences',
          );
        }
      }
      return renderers;
    },
  };
}

/** The outbox row type of a batch of `kind`: never a published type, never positioned. */
export function batchRowType(kind: string): string {
  return `${BATCH_TYPE_PREFIX}${kind}`;
}

export const BATCH_TYPE_PREFIX = 'batch:';
