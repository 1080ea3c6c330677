import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the lifecycle needs to end in a stated state and to keep reading stopped campaigns:
 *  - `ai_visitor_task.last_error`: the platform's last refusal or failure message, shown to the recruiter;
 *  - `ai_visitor_call_task.refusals`: how many times the platform refused to create or start the campaign
 *    (bounded: at the limit the task is paused with `platform_rejected`);
 *  - `idx_call_task_status`: finds the few campaigns not finished yet (status 0/1/2), which the sync keeps
 *    reading even for a cancelled task until their last record is stored.
 * Adding columns and an index rebuilds no table on either engine, so the stats triggers stay in place.
 */
export class LifecycleEdges1765000000000 implements MigrationInterface {
  name = 'LifecycleEdges1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query('ALTER TABLE ai_visitor_task ADD COLUMN last_error VARCHAR(255) NULL');
      await queryRunner.query('ALTER TABLE ai_visitor_call_task ADD COLUMN refusals INTEGER NOT NULL DEFAULT 0');
      await queryRunner.query('CREATE INDEX idx_call_task_status ON ai_visitor_call_task (status, task_id)');
      return;
    }
    await queryRunner.query('ALTER TABLE ai_visitor_task ADD COLUMN last_error VARCHAR(255) NULL');
    await queryRunner.query(
      'ALTER TABLE ai_visitor_call_task ADD COLUMN refusals INT NOT NULL DEFAULT 0, ADD INDEX idx_call_task_status (status, task_id)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query('DROP INDEX idx_call_task_status');
    } else {
      await queryRunner.query('ALTER TABLE ai_visitor_call_task DROP INDEX idx_call_task_status');
    }
    await queryRunner.query('ALTER TABLE ai_visitor_call_task DROP COLUMN refusals');
    await queryRunner.query('ALTER TABLE ai_visitor_task DROP COLUMN last_error');
  }
}
