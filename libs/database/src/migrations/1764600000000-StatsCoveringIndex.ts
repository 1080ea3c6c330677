import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Statistics sum `attempts` too: with it in the index, the aggregate of get-task-stats is answered from the
 * index alone (a covering index) instead of reading every contact row.
 */
export class StatsCoveringIndex1764600000000 implements MigrationInterface {
  name = 'StatsCoveringIndex1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query('DROP INDEX idx_list_stats');
      await queryRunner.query(
        'CREATE INDEX idx_list_stats ON ai_visitor_list (task_id, status, call_result, intension_result, attempts)',
      );
      return;
    }
    await queryRunner.query(
      'ALTER TABLE ai_visitor_list DROP INDEX idx_list_stats, ADD INDEX idx_list_stats (task_id, status, call_result, intension_result, attempts)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query('DROP INDEX idx_list_stats');
      await queryRunner.query(
        'CREATE INDEX idx_list_stats ON ai_visitor_list (task_id, status, call_result, intension_result)',
      );
      return;
    }
    await queryRunner.query(
      'ALTER TABLE ai_visitor_list DROP INDEX idx_list_stats, ADD INDEX idx_list_stats (task_id, status, call_result, intension_result)',
    );
  }
}
