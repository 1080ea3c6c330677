import { DynamicModule, ModuleMetadata, Module, Type } from '@nestjs/common';
import { EventsModule } from '../events.module';
import { EventFeedModule } from '../event-feed.module';
import { EventBatchRenderers } from '../event-batch-renderer';
import { WebhooksModule } from './webhooks.module';
import { FullPhoneSource } from './relay/full-phone-source';
import { WebhookFanout } from './relay/webhook-fanout';
import { WebhookSender } from './relay/webhook-sender';
import { WebhookDeliverer } from './relay/webhook-deliverer';
import { RunRelayRound } from './relay/run-relay-round.usecase';
import { GiveUpUnsendableDeliveries } from './relay/give-up-unsendable-deliveries.usecase';
import { PrometheusRelayMetrics, RelayMetrics, WEBHOOK_METRIC_PROVIDERS } from './metrics/webhook-metrics';

export interface WebhookRelayOptions {
  /** Where full numbers come from for `fullPhones` endpoints: the module that provides it and its class. */
  fullPhones: { imports: ModuleMetadata['imports']; useExisting: Type<FullPhoneSource> };
  /** The renderer of each kind of event batch, for the relay's sequencer (EventFeedModule): the task lib's. */
  batchRenderers: EventBatchRenderers;
}

/**
 * The relay (the worker's): sequencing, fan-out, delivery, with its metrics. Exports `RunRelayRound`, which the
 * worker's loop runs, and `GiveUpUnsendableDeliveries`, which its events housekeeping runs. The full-number port
 * and the batch renderers are given by the app (the task lib implements both), as the observability module is
 * given the dependencies readiness reports; the relay does not boot without a renderer for every kind of batch.
 */
@Module({})
export class WebhookRelayModule {
  static forRoot(options: WebhookRelayOptions): DynamicModule {
    return {
      module: WebhookRelayModule,
      imports: [
        EventsModule,
        EventFeedModule.forRoot({ batchRenderers: options.batchRenderers }),
        WebhooksModule,
        ...(options.fullPhones.imports ?? []),
      ],
      providers: [
        ...WEBHOOK_METRIC_PROVIDERS,
        { provide: RelayMetrics, useClass: PrometheusRelayMetrics },
        { provide: FullPhoneSource, useExisting: options.fullPhones.useExisting },
        WebhookFanout,
        WebhookSender,
        WebhookDeliverer,
        RunRelayRound,
        GiveUpUnsendableDeliveries,
      ],
      exports: [RunRelayRound, GiveUpUnsendableDeliveries],
    };
  }
}
