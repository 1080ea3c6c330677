import { DynamicModule, ModuleMetadata, Module, Type } from '@nestjs/common';
import { EventsModule } from '../events.module';
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
}

/**
 * The relay (the worker's): sequencing, fan-out, delivery, with its metrics. Exports `RunRelayRound`, which the
 * worker's loop runs, and `GiveUpUnsendableDeliveries`, which its events housekeeping runs. The full-number port is given by the app (the task lib implements it), as the
 * observability module is given the dependencies readiness reports.
 */
@Module({})
export class WebhookRelayModule {
  static forRoot(options: WebhookRelayOptions): DynamicModule {
    return {
      module: WebhookRelayModule,
      imports: [EventsModule, WebhooksModule, ...(options.fullPhones.imports ?? [])],
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
