import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '@app/core';
import { TransactionRunner } from '@app/database';
import { eventsConfig, EventsSettings } from '../../events.config';
import { EventType } from '../../domain/event-types';
import { WebhookNotFoundError } from '../domain/webhook-errors';
import { WebhookView } from '../domain/webhook-view';
import { storedTypes, WebhookPatch, WebhookRepository } from '../webhook.repository';
import { allowedUrl, DISABLED_BY_OPERATIONS } from './register-webhook.usecase';
import { GetWebhook } from './get-webhook.usecase';

export interface UpdateWebhookCommand {
  id: string;
  url?: string;
  /** null: every type. */
  eventTypes?: EventType[] | null;
  fullPhones?: boolean;
  enabled?: boolean;
}

/**
 * Changes an endpoint (operations): a new URL is checked as at registration (nothing is written when refused).
 * Disabling records why; enabling clears the reason and the failure streak, so an endpoint re-enabled after
 * being disabled gets a full WEBHOOK_DISABLE_AFTER_HOURS again. Deliveries left pending while it was disabled
 * resume; events fanned out meanwhile were not made deliveries for it (a redelivery brings them).
 */
@Injectable()
export class UpdateWebhook {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly webhooks: WebhookRepository,
    private readonly getWebhook: GetWebhook,
    private readonly clock: Clock,
    @Inject(eventsConfig.KEY) private readonly settings: EventsSettings,
  ) {}

  async execute(command: UpdateWebhookCommand): Promise<WebhookView> {
    const url = command.url === undefined ? undefined : allowedUrl(command.url, this.settings);
    await this.tx.run(async (manager) => {
      const current = await this.webhooks.find(manager, command.id);
      if (!current) throw new WebhookNotFoundError(command.id);
      const patch: WebhookPatch = {};
      if (url !== undefined) patch.url = url;
      if (command.eventTypes !== undefined) patch.eventTypes = storedTypes(command.eventTypes);
      if (command.fullPhones !== undefined) patch.fullPhones = command.fullPhones ? 1 : 0;
      if (command.enabled === true && Number(current.enabled) !== 1)
        Object.assign(patch, { enabled: 1, disabledReason: null, failingSince: null });
      if (command.enabled === false && Number(current.enabled) === 1)
        Object.assign(patch, { enabled: 0, disabledReason: DISABLED_BY_OPERATIONS });
      await this.webhooks.update(manager, command.id, patch, this.clock.now());
    });
    return this.getWebhook.execute({ id: command.id });
  }
}
