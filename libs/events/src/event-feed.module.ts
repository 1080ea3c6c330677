import { DynamicModule, Module } from '@nestjs/common';
import { EventsModule } from './events.module';
import { EventSequencer } from './event-sequencer';
import { EventBatchRenderers, eventBatchRenderersProvider } from './event-batch-renderer';
import { ListEvents } from './usecases/list-events.usecase';

export interface EventFeedOptions {
  /** The renderer of each kind of event batch (EVENT_BATCH_KINDS) and the module providing them: the task lib's. */
  batchRenderers: EventBatchRenderers;
}

/**
 * The feed: the sequencer that positions committed events (rendering event batches through the renderers the app
 * gives it) and the feed read (`ListEvents`). A process that sequences imports it (the API for its feed; the
 * worker's relay imports it itself); it refuses to boot without a renderer for every kind of batch.
 */
@Module({})
export class EventFeedModule {
  static forRoot(options: EventFeedOptions): DynamicModule {
    return {
      module: EventFeedModule,
      imports: [EventsModule, ...(options.batchRenderers.imports ?? [])],
      providers: [eventBatchRenderersProvider(options.batchRenderers), EventSequencer, ListEvents],
      exports: [EventSequencer, ListEvents],
    };
  }
}
