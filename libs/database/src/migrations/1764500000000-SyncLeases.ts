import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-task sync leases, so any number of workers share the sync and never sync one task at the same moment:
 * a worker claims a task by setting `lease_owner` and `lease_until` (database time) and bumping `lease_epoch`,
 * the fencing token every later write of its pass checks.
 */
export class SyncLeases1764500000000 implements MigrationInterface {
  name = 'SyncLeases1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query('ALTER TABLE ai_visitor_task ADD COLUMN lease_owner VARCHAR(64) NULL');
      await queryRunner.query('ALTER TABLE ai_visitor_task ADD COLUMN lease_until DATETIME NULL');
      await queryRunner.query('ALTER TABLE ai_visitor_task ADD COLUMN lease_epoch BIGINT NOT NULL DEFAULT 0');
      return;
    }
    await queryRunner.query(`ALTER TABLE ai_visitor_task
      ADD COLUMN lease_owner VARCHAR(64) NULL,
      ADD COLUMN lease_until DATETIME(3) NULL,
      ADD COLUMN lease_epoch BIGINT UNSIGNED NOT NULL DEFAULT 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of ['lease_owner', 'lease_until', 'lease_epoch']) {
      await queryRunner.query(`ALTER TABLE ai_visitor_task DROP COLUMN ${column}`);
    }
  }
}
