import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook deliveries (issue 13) are retried for WEBHOOK_RETRY_HOURS from their **first attempt**, not from their
 * creation: a delivery held behind an earlier event of its task (per-task order), or put back by an operator's
 * redelivery, gets its full retry period once it is really tried.
 *  - `ai_visitor_webhook_delivery.first_attempt_at`: when the delivery was first tried (NULL: not yet, or reset
 *    by a redelivery).
 * Adding a nullable column rebuilds no table on either engine.
 */
export class WebhookDeliveryAttempts1765200000000 implements MigrationInterface {
  name = 'WebhookDeliveryAttempts1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const type = queryRunner.connection.options.type === 'better-sqlite3' ? 'DATETIME' : 'DATETIME(3)';
    await queryRunner.query(`ALTER TABLE ai_visitor_webhook_delivery ADD COLUMN first_attempt_at ${type} NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE ai_visitor_webhook_delivery DROP COLUMN first_attempt_at');
  }
}
