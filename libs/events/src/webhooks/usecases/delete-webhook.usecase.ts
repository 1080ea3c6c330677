import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/database';
import { WebhookNotFoundError } from '../domain/webhook-errors';
import { WebhookRepository } from '../webhook.repository';

export interface DeleteWebhookCommand {
  id: string;
}

/** Deletes an endpoint and its deliveries (operations); WEBHOOK_NOT_FOUND when there is none. A POST in flight may still land. */
@Injectable()
export class DeleteWebhook {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly webhooks: WebhookRepository,
  ) {}

  async execute({ id }: DeleteWebhookCommand): Promise<void> {
    const deleted = await this.tx.run((manager) => this.webhooks.delete(manager, id));
    if (!deleted) throw new WebhookNotFoundError(id);
  }
}
