import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the events' two housekeeping jobs (issue 13), so neither scans a whole table:
 *  - `ai_visitor_firm_bot (bot_expire_at)`: the BOT expiry notices read only the grants expiring within a
 *    week or expired within the last week (a range on this index);
 *  - `ai_visitor_webhook_delivery (event_pk)`: the retention purge deletes an expired event's deliveries by the
 *    event (the unique key leads with the webhook, so it cannot serve that).
 */
export class EventHousekeeping1765110000000 implements MigrationInterface {
  name = 'EventHousekeeping1765110000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query('CREATE INDEX idx_firm_bot_expire ON ai_visitor_firm_bot (bot_expire_at)');
      await queryRunner.query('CREATE INDEX idx_delivery_event ON ai_visitor_webhook_delivery (event_pk)');
      return;
    }
    await queryRunner.query('ALTER TABLE ai_visitor_firm_bot ADD INDEX idx_firm_bot_expire (bot_expire_at)');
    await queryRunner.query('ALTER TABLE ai_visitor_webhook_delivery ADD INDEX idx_delivery_event (event_pk)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query('DROP INDEX idx_delivery_event');
      await queryRunner.query('DROP INDEX idx_firm_bot_expire');
      return;
    }
    await queryRunner.query('ALTER TABLE ai_visitor_webhook_delivery DROP INDEX idx_delivery_event');
    await queryRunner.query('ALTER TABLE ai_visitor_firm_bot DROP INDEX idx_firm_bot_expire');
  }
}
