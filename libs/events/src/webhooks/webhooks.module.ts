import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events.module';
import { WebhookEntity } from './entities/webhook.entity';
import { WebhookDeliveryEntity } from './entities/webhook-delivery.entity';
import { WebhookRepository } from './webhook.repository';
import { DeliveryRepository } from './delivery.repository';
import { RegisterWebhook } from './usecases/register-webhook.usecase';
import { ListWebhooks } from './usecases/list-webhooks.usecase';
import { GetWebhook } from './usecases/get-webhook.usecase';
import { UpdateWebhook } from './usecases/update-webhook.usecase';
import { DeleteWebhook } from './usecases/delete-webhook.usecase';
import { RotateWebhookSecret } from './usecases/rotate-webhook-secret.usecase';
import { RedeliverEvents } from './usecases/redeliver-events.usecase';

const USE_CASES = [
  RegisterWebhook,
  ListWebhooks,
  GetWebhook,
  UpdateWebhook,
  DeleteWebhook,
  RotateWebhookSecret,
  RedeliverEvents,
];

/**
 * Webhook endpoints and their deliveries: registration and its use cases (the API's). Exports the repositories
 * to the relay module beside it (same lib), not through the lib's index. Needs the app's infrastructure roots
 * (the phone vault seals the secrets) and `eventsConfig` loaded.
 */
@Module({
  // EventsModule for EventRepository: deliveries' statements take the fan-out cursor and read events through it.
  imports: [TypeOrmModule.forFeature([WebhookEntity, WebhookDeliveryEntity]), EventsModule],
  providers: [WebhookRepository, DeliveryRepository, ...USE_CASES],
  exports: [WebhookRepository, DeliveryRepository, ...USE_CASES],
})
export class WebhooksModule {}
