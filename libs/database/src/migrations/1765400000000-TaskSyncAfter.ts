import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `ai_visitor_task.sync_after` (issue 14): a task with no campaign whose contacts all wait (a retry gap, a
 * callback) has nothing for the sync to do before the first of them is due; the sync records that instant here
 * and the pass's claim passes the task over until then (service clock, like `next_attempt_at`). Any status move
 * and any contact added clear it. NULL: due now.
 */
export class TaskSyncAfter1765400000000 implements MigrationInterface {
  name = 'TaskSyncAfter1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query('ALTER TABLE ai_visitor_task ADD COLUMN sync_after DATETIME NULL');
      return;
    }
    await queryRunner.query('ALTER TABLE ai_visitor_task ADD COLUMN sync_after DATETIME(3) NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE ai_visitor_task DROP COLUMN sync_after');
  }
}
