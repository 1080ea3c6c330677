import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/database';
import { WebhookView } from '../domain/webhook-view';
import { toWebhookView, WebhookRepository } from '../webhook.repository';

export interface ListWebhooksQuery {
  /** One firm's endpoints only (a recruiter's view; operations may filter too); absent: every endpoint. */
  firmId?: string;
}

/**
 * Endpoints with their health (enabled, failing since, last success and error, pending deliveries), never their
 * secrets. A firm sees only the endpoints registered for it: an all-firms endpoint is the platform's own
 * plumbing, and its URL, errors and pending count (every firm's events) are not one firm's to see.
 */
@Injectable()
export class ListWebhooks {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly webhooks: WebhookRepository,
  ) {}

  async execute(query: ListWebhooksQuery = {}): Promise<WebhookView[]> {
    const manager = this.tx.autocommit;
    const rows = await this.webhooks.list(manager, query.firmId);
    const pending = await this.webhooks.pendingCounts(
      manager,
      rows.map((r) => String(r.id)),
    );
    return rows.map((row) => toWebhookView(row, pending.get(String(row.id)) ?? 0));
  }
}
