import { MigrationInterface, QueryRunner } from 'typeorm';
import { byteCollation } from '../byte-collation';

/**
 * The platform's `campaign_id` (and the `request_id` it is created with) compare byte for byte, like `record_id`
 * (RecordIdBytes): under `utf8mb4_unicode_ci` a campaign `cmp_a` answered after a stored `cmp_A` broke the unique key
 * when its id was recorded (the launch failed on every pass, the task stuck), and a push for one would have been
 * taken for the other. Same collation rule and reasons as RecordIdBytes: binary, no pad, `utf8mb4_nopad_bin` on
 * MariaDB, `utf8mb4_0900_bin` on MySQL 8; VARCHAR(64) of utf8mb4 as before. SQLite compares bytes already.
 *
 * Down: back to `utf8mb4_unicode_ci`; refused by the unique keys while two stored ids differ only in case.
 */
export class CampaignIdBytes1765700000000 implements MigrationInterface {
  name = 'CampaignIdBytes1765700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') return;
    await this.setCollation(queryRunner, await byteCollation(queryRunner));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') return;
    await this.setCollation(queryRunner, 'utf8mb4_unicode_ci');
  }

  private async setCollation(queryRunner: QueryRunner, collation: string): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE ai_visitor_call_task MODIFY request_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE ${collation} NOT NULL, ` +
        `MODIFY campaign_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE ${collation} NULL`,
    );
  }
}
