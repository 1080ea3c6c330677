import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `idx_call_conversation_task` is read by no statement: a task's conversations are always reached through its call
 * records or its contacts (`idx_call_conversation_contact`: an erasure), and old ones by `idx_call_conversation_called_at`
 * (the retention purge). Each conversation the ingest stores paid for its entry all the same (the bench's
 * conversations section: one B-tree fewer to write per stored call). Dropped; `down` puts it back.
 */
export class DropConversationTaskIndex1765930000000 implements MigrationInterface {
  name = 'DropConversationTaskIndex1765930000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query('DROP INDEX idx_call_conversation_task');
      return;
    }
    await queryRunner.query('ALTER TABLE call_conversation DROP KEY idx_call_conversation_task');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query('CREATE INDEX idx_call_conversation_task ON call_conversation (task_id)');
      return;
    }
    await queryRunner.query('ALTER TABLE call_conversation ADD KEY idx_call_conversation_task (task_id)');
  }
}
