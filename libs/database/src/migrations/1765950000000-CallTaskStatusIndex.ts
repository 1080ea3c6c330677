import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `idx_list_call_task` becomes (call_task_id, status). Whether a campaign still has a contact waiting for its result
 * (ContactRepository.awaitingResult: asked by every push that moves a contact on, and by the campaign's end) was
 * one probe in intent, but with the call task alone in the index it walked the campaign's contacts in id order,
 * each looked up for its status, past every one already done: a push late in a campaign of 2,000 contacts read
 * ~2,000 rows (the callback bench's first repetitions: ~2.5 ms of database CPU a push, against ~0.65 ms once the
 * campaigns' contacts had their results). With the status in the index it is one probe, whatever the campaign's
 * size. Every statement that read by the call task alone still can (its prefix). `down` puts the old one back.
 */
export class CallTaskStatusIndex1765950000000 implements MigrationInterface {
  name = 'CallTaskStatusIndex1765950000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query('DROP INDEX idx_list_call_task');
      await queryRunner.query('CREATE INDEX idx_list_call_task_status ON ai_visitor_list (call_task_id, status)');
      return;
    }
    await queryRunner.query(
      'ALTER TABLE ai_visitor_list DROP KEY idx_list_call_task, ADD KEY idx_list_call_task_status (call_task_id, status)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query('DROP INDEX idx_list_call_task_status');
      await queryRunner.query('CREATE INDEX idx_list_call_task ON ai_visitor_list (call_task_id)');
      return;
    }
    await queryRunner.query(
      'ALTER TABLE ai_visitor_list DROP KEY idx_list_call_task_status, ADD KEY idx_list_call_task (call_task_id)',
    );
  }
}
