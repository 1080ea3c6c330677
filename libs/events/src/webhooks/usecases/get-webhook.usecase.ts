import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/database';
import { WebhookNotFoundError } from '../domain/webhook-errors';
import { WebhookView } from '../domain/webhook-view';
import { toWebhookView, WebhookRepository } from '../webhook.repository';

export interface GetWebhookQuery {
  id: string;
}

/** One endpoint with its health (operations); WEBHOOK_NOT_FOUND when there is none. */
@Injectable()
export class GetWebhook {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly webhooks: WebhookRepository,
  ) {}

  async execute({ id }: GetWebhookQuery): Promise<WebhookView> {
    const manager = this.tx.autocommit;
    const row = await this.webhooks.find(manager, id);
    if (!row) throw new WebhookNotFoundError(id);
    const pending = await this.webhooks.pendingCounts(manager, [id]);
    return toWebhookView(row, pending.get(id) ?? 0);
  }
}
