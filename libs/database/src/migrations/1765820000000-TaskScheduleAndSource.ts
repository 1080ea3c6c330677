import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 22, items 4 and 5. `ai_visitor_task.start_at`: the instant a task not started is to start at (the
 * recruiter's `POST /start { at }` or `startAt` on create; NULL: not scheduled). The worker's scheduled-starts job
 * looks for due ones every minute with `status = 1 AND start_at <= now`, through `idx_task_scheduled (status,
 * start_at)`: a range inside the not-started tasks, so the minute's query costs the same however many tasks were
 * ever scheduled and started (a started task keeps `start_at` as the time it was scheduled for).
 * `ai_visitor_task.source_task_id`: the task a follow-up was made from (`POST /tasks/:id/follow-up`); its calls do
 * not count for the follow-up's cooling period. NULL for every other task.
 */
export class TaskScheduleAndSource1765820000000 implements MigrationInterface {
  name = 'TaskScheduleAndSource1765820000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query('ALTER TABLE ai_visitor_task ADD COLUMN start_at DATETIME NULL');
      await queryRunner.query('ALTER TABLE ai_visitor_task ADD COLUMN source_task_id BIGINT NULL');
    } else {
      await queryRunner.query(
        'ALTER TABLE ai_visitor_task ADD COLUMN start_at DATETIME(3) NULL, ADD COLUMN source_task_id BIGINT NULL',
      );
    }
    await queryRunner.query('CREATE INDEX idx_task_scheduled ON ai_visitor_task (status, start_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query('DROP INDEX idx_task_scheduled');
    } else {
      await queryRunner.query('DROP INDEX idx_task_scheduled ON ai_visitor_task');
    }
    await queryRunner.query('ALTER TABLE ai_visitor_task DROP COLUMN source_task_id');
    await queryRunner.query('ALTER TABLE ai_visitor_task DROP COLUMN start_at');
  }
}
