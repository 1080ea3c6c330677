import { Inject, Injectable } from '@nestjs/common';
import { Clock, PhoneVault } from '@app/core';
import { TransactionRunner } from '@app/database';
import { eventsConfig, EventsSettings } from '../../events.config';
import { EventType } from '../../domain/event-types';
import { checkWebhookUrl } from '../domain/webhook-url';
import { WebhookUrlNotAllowedError } from '../domain/webhook-errors';
import { newWebhookSecret } from '../domain/signature';
import { RegisteredWebhook } from '../domain/webhook-view';
import { storedTypes, toWebhookView, WebhookRepository } from '../webhook.repository';

export interface RegisterWebhookCommand {
  url: string;
  /** The firm whose events it receives; absent or null: every firm's. */
  firmId?: string | null;
  /** Absent or null: every type. */
  eventTypes?: EventType[] | null;
  fullPhones?: boolean;
  enabled?: boolean;
}

/** Why an endpoint operations switched off is disabled. */
export const DISABLED_BY_OPERATIONS = 'disabled by operations';

/** The URL as a command gives it, checked against the allow-list (refused with WEBHOOK_URL_NOT_ALLOWED). */
export function allowedUrl(url: string, settings: EventsSettings): string {
  const check = checkWebhookUrl(url, settings.allowedHosts);
  if (!check.ok) throw new WebhookUrlNotAllowedError(check.reason, check.message);
  return check.url;
}

/**
 * Registers an endpoint (operations). The URL is checked before anything is written; the signing secret is
 * generated here, stored sealed (the phone vault's AES-256-GCM and keys, so `npm run phones:rekey` rotates it
 * too) and answered this once.
 */
@Injectable()
export class RegisterWebhook {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly webhooks: WebhookRepository,
    private readonly vault: PhoneVault,
    private readonly clock: Clock,
    @Inject(eventsConfig.KEY) private readonly settings: EventsSettings,
  ) {}

  async execute(command: RegisterWebhookCommand): Promise<RegisteredWebhook> {
    const url = allowedUrl(command.url, this.settings);
    const secret = newWebhookSecret();
    const sealed = this.vault.seal(secret);
    const now = this.clock.now();
    const manager = this.tx.autocommit;
    const id = await this.webhooks.insert(manager, {
      firmId: command.firmId ?? null,
      url,
      eventTypes: storedTypes(command.eventTypes),
      secretEnc: sealed.enc,
      secretKeyId: sealed.keyId,
      fullPhones: command.fullPhones ? 1 : 0,
      enabled: command.enabled === false ? 0 : 1,
      disabledReason: command.enabled === false ? DISABLED_BY_OPERATIONS : null,
      createdAt: now,
      updatedAt: now,
    });
    const row = (await this.webhooks.find(manager, id))!;
    return { ...toWebhookView(row, 0), secret };
  }
}
