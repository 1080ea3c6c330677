import { Inject, Injectable } from '@nestjs/common';
import { Clock, PhoneVault } from '@app/core';
import { TransactionRunner } from '@app/database';
import { eventsConfig, EventsSettings } from '../../events.config';
import { WebhookNotFoundError, WebhookSecretRotatingError } from '../domain/webhook-errors';
import { newWebhookSecret } from '../domain/signature';
import { RegisteredWebhook } from '../domain/webhook-view';
import { toWebhookView, WebhookRepository } from '../webhook.repository';

export interface RotateWebhookSecretCommand {
  id: string;
}

/**
 * Replaces an endpoint's signing secret without a gap (operations): the new secret is generated, sealed like the
 * first (the phone vault's keys) and answered this once; the secret it replaces keeps signing every delivery beside
 * it for WEBHOOK_SECRET_OVERLAP_HOURS, so the platform switches its receivers over at its pace and none fails a
 * verification meanwhile. WEBHOOK_NOT_FOUND for no such endpoint; WEBHOOK_SECRET_ROTATING while an earlier
 * rotation's overlap lasts (rotating again would drop a secret receivers may still hold).
 */
@Injectable()
export class RotateWebhookSecret {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly webhooks: WebhookRepository,
    private readonly vault: PhoneVault,
    private readonly clock: Clock,
    @Inject(eventsConfig.KEY) private readonly settings: EventsSettings,
  ) {}

  async execute(command: RotateWebhookSecretCommand): Promise<RegisteredWebhook> {
    const secret = newWebhookSecret();
    const sealed = this.vault.seal(secret);
    const now = this.clock.now();
    const overlapEnd = new Date(now.getTime() + this.settings.secretOverlapHours * 3_600_000);
    const row = await this.tx.run(async (manager) => {
      const current = await this.webhooks.find(manager, command.id);
      if (!current) throw new WebhookNotFoundError(command.id);
      const rotated = await this.webhooks.rotateSecret(
        manager,
        command.id,
        { enc: current.secretEnc, keyId: current.secretKeyId },
        sealed,
        overlapEnd,
        now,
      );
      if (!rotated) {
        // An overlap still running, or a rotation that came in between (its overlap runs now).
        const latest = await this.webhooks.find(manager, command.id);
        if (!latest) throw new WebhookNotFoundError(command.id);
        throw new WebhookSecretRotatingError(
          command.id,
          latest.previousSecretExpiresAt ? new Date(latest.previousSecretExpiresAt) : overlapEnd,
        );
      }
      return (await this.webhooks.find(manager, command.id))!;
    });
    const pending = await this.webhooks.pendingCounts(this.tx.autocommit, [command.id]);
    return { ...toWebhookView(row, pending.get(command.id) ?? 0), secret };
  }
}
