import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A candidate's erasure (issue 22, item 6) finds the events that carry a contact's personal data by the contact:
 * `ai_visitor_event.contact_id` (set for `contact.called` and `candidate.interested`, NULL for every other event)
 * with its own index. Without it an erasure would read and parse every event of every task the number is in (a
 * million rows for a number in 100 busy tasks); with it, a few index entries per contact. The retention purge of
 * conversations finds the events carrying a purged conversation the same way. Events written before are filled in
 * from their payload's `contactId`.
 *
 * Contacts need no column: an erased contact's `phone_key_id` is the erased marker (`!erased`, outside the key-id
 * pattern), its `phone_enc` empty, its name and candidate reference NULL. Finding a number across a firm's tasks
 * needs no index either: the firm's tasks (`idx_task_account`) joined to the list's unique (task_id, phone_hash)
 * key is one index probe per task of the firm (bench: erasure section).
 */
export class CandidateErasure1765830000000 implements MigrationInterface {
  name = 'CandidateErasure1765830000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query('ALTER TABLE ai_visitor_event ADD COLUMN contact_id BIGINT NULL');
      await queryRunner.query(
        `UPDATE ai_visitor_event SET contact_id = CAST(json_extract(data, '$.contactId') AS INTEGER) ` +
          `WHERE type IN ('contact.called', 'candidate.interested') AND json_valid(data)`,
      );
      await queryRunner.query('CREATE INDEX idx_event_contact ON ai_visitor_event (contact_id)');
      return;
    }
    await queryRunner.query('ALTER TABLE ai_visitor_event ADD COLUMN contact_id BIGINT UNSIGNED NULL');
    await queryRunner.query(
      `UPDATE ai_visitor_event SET contact_id = CAST(JSON_UNQUOTE(JSON_EXTRACT(data, '$.contactId')) AS UNSIGNED) ` +
        `WHERE type IN ('contact.called', 'candidate.interested') AND JSON_VALID(data)`,
    );
    await queryRunner.query('ALTER TABLE ai_visitor_event ADD KEY idx_event_contact (contact_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query('DROP INDEX idx_event_contact');
      await queryRunner.query('ALTER TABLE ai_visitor_event DROP COLUMN contact_id');
      return;
    }
    await queryRunner.query('ALTER TABLE ai_visitor_event DROP KEY idx_event_contact, DROP COLUMN contact_id');
  }
}
