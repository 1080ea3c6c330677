import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook secrets rotate without a gap (issue 21, item 7): `POST /v1/admin/webhooks/:id/rotate-secret` makes a
 * new secret the endpoint's own and keeps the one it replaces for WEBHOOK_SECRET_OVERLAP_HOURS, during which every
 * delivery is signed with both (a receiver still holding the previous one verifies, as does one already switched).
 *  - `ai_visitor_webhook.previous_secret_enc`, `previous_secret_key_id`: the replaced secret, sealed with the phone
 *    vault's keys like `secret_enc` (and resealed by `npm run phones:rekey` with it); NULL: never rotated.
 *  - `previous_secret_expires_at`: the end of the overlap; deliveries after it carry the current secret's
 *    signatures only, and the endpoint may be rotated again.
 * Adding nullable columns rebuilds no table on either engine.
 */
export class WebhookSecretRotation1765600000000 implements MigrationInterface {
  name = 'WebhookSecretRotation1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const datetime = queryRunner.connection.options.type === 'better-sqlite3' ? 'DATETIME' : 'DATETIME(3)';
    await queryRunner.query('ALTER TABLE ai_visitor_webhook ADD COLUMN previous_secret_enc VARCHAR(255) NULL');
    await queryRunner.query('ALTER TABLE ai_visitor_webhook ADD COLUMN previous_secret_key_id VARCHAR(32) NULL');
    await queryRunner.query(`ALTER TABLE ai_visitor_webhook ADD COLUMN previous_secret_expires_at ${datetime} NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE ai_visitor_webhook DROP COLUMN previous_secret_expires_at');
    await queryRunner.query('ALTER TABLE ai_visitor_webhook DROP COLUMN previous_secret_key_id');
    await queryRunner.query('ALTER TABLE ai_visitor_webhook DROP COLUMN previous_secret_enc');
  }
}
