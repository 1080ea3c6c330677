import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `call_conversation.conversation_enc` / `conversation_key_id`: a call's conversation sealed as one value (the
 * summary, transcript and recording link together, AES-256-GCM under the phone vault's key, base64, the key's id
 * beside it), so the ingest sets up one cipher context a call instead of three (the bench's conversations section:
 * three contexts were most of the CPU the conversations cost the sync). Every conversation is written this way from
 * now on; the per-field columns of CallConversation stay for the rows stored before, which are read as they are
 * (CallConversationRepository reads both, a field of the old columns first) and rewritten together when a
 * re-delivery adds to them. Resealed by `npm run phones:rekey` like the others. MEDIUMTEXT on MySQL/MariaDB (a
 * 20,000-character transcript is about 107,000 bytes of base64). Adding a nullable column at the end is instant on
 * MariaDB ≥ 10.3 and MySQL ≥ 8.0.12: no stored row is touched.
 */
export class ConversationSealedTogether1765940000000 implements MigrationInterface {
  name = 'ConversationSealedTogether1765940000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query('ALTER TABLE call_conversation ADD COLUMN conversation_enc TEXT NULL');
      await queryRunner.query('ALTER TABLE call_conversation ADD COLUMN conversation_key_id VARCHAR(16) NULL');
      return;
    }
    await queryRunner.query(
      `ALTER TABLE call_conversation
         ADD COLUMN conversation_enc MEDIUMTEXT CHARACTER SET ascii COLLATE ascii_bin NULL,
         ADD COLUMN conversation_key_id VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The conversations stored together would be lost with their columns: `down` refuses while any is stored.
    const rows = (await queryRunner.query(
      'SELECT COUNT(*) AS n FROM call_conversation WHERE conversation_enc IS NOT NULL',
    )) as { n: number | string }[];
    if (Number(rows[0]?.n ?? 0) > 0)
      throw new Error('call_conversation holds conversations sealed together: reverting would drop them');
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query('ALTER TABLE call_conversation DROP COLUMN conversation_key_id');
      await queryRunner.query('ALTER TABLE call_conversation DROP COLUMN conversation_enc');
      return;
    }
    await queryRunner.query(
      'ALTER TABLE call_conversation DROP COLUMN conversation_key_id, DROP COLUMN conversation_enc',
    );
  }
}
