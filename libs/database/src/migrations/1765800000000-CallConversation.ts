import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `call_conversation` (issue 22, item 1): what the candidate said on each stored call — the platform's summary,
 * transcript and recording link, polled or pushed — kept beside its call record, one row per record that had any,
 * so the call-record table (the largest) stays narrow.
 *  - `call_record_id`: the call record's `id`, the key (a record has one conversation; a re-delivery fills what was
 *    missing and never adds a second).
 *  - `task_id`, `contact_id`, `called_at`: copied from the record and indexed, so a contact's conversations (an
 *    erasure) and those older than a retention limit (a purge by age) are found without touching the records.
 *  - `summary_enc`/`summary_key_id`, `transcript_enc`/`transcript_key_id`, `recording_url_enc`/`recording_url_key_id`:
 *    each field sealed with the phone vault's keys (AES-256-GCM, base64, the key's id beside it; both NULL when the
 *    platform did not give the field), resealed by `npm run phones:rekey`. A transcript is at most 20,000
 *    characters (wire-fit), 80,000 bytes of UTF-8, about 107,000 of base64: MEDIUMTEXT on MySQL/MariaDB.
 */
export class CallConversation1765800000000 implements MigrationInterface {
  name = 'CallConversation1765800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query(`
        CREATE TABLE call_conversation (
          call_record_id INTEGER NOT NULL PRIMARY KEY,
          task_id BIGINT NOT NULL,
          contact_id BIGINT NOT NULL,
          called_at DATETIME NOT NULL,
          summary_enc TEXT NULL,
          summary_key_id VARCHAR(16) NULL,
          transcript_enc TEXT NULL,
          transcript_key_id VARCHAR(16) NULL,
          recording_url_enc TEXT NULL,
          recording_url_key_id VARCHAR(16) NULL,
          created_at DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
        )`);
      await queryRunner.query('CREATE INDEX idx_call_conversation_task ON call_conversation (task_id)');
      await queryRunner.query('CREATE INDEX idx_call_conversation_contact ON call_conversation (contact_id)');
      await queryRunner.query('CREATE INDEX idx_call_conversation_called_at ON call_conversation (called_at)');
      return;
    }
    await queryRunner.query(`
      CREATE TABLE call_conversation (
        call_record_id BIGINT UNSIGNED NOT NULL,
        task_id BIGINT UNSIGNED NOT NULL,
        contact_id BIGINT UNSIGNED NOT NULL,
        called_at DATETIME(3) NOT NULL,
        summary_enc TEXT CHARACTER SET ascii COLLATE ascii_bin NULL,
        summary_key_id VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
        transcript_enc MEDIUMTEXT CHARACTER SET ascii COLLATE ascii_bin NULL,
        transcript_key_id VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
        recording_url_enc TEXT CHARACTER SET ascii COLLATE ascii_bin NULL,
        recording_url_key_id VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (call_record_id),
        KEY idx_call_conversation_task (task_id),
        KEY idx_call_conversation_contact (contact_id),
        KEY idx_call_conversation_called_at (called_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE call_conversation');
  }
}
