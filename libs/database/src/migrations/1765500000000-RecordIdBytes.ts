import { MigrationInterface, QueryRunner } from 'typeorm';
import { byteCollation } from '../byte-collation';

/**
 * The platform's `record_id` is the ingest's idempotency key, and the platform's ids are case-sensitive
 * (issue 20, item 6): under the tables' `utf8mb4_unicode_ci`, `rec_a1` arriving after `rec_A1` was "known", or
 * lost to the unique key's ON DUPLICATE, yet it moved its contact and wrote a `contact.called` whose renderer found
 * no row. Both columns that hold a record id (the call record's unique key, the contact's last record) now compare
 * byte for byte, with a binary collation that does not pad: the `_bin` collations ignore trailing spaces
 * (`'a'` = `'a '`), `ascii_bin` refuses ids that are not ASCII, and VARBINARY would come back from the driver as
 * bytes, not strings. MariaDB calls it `utf8mb4_nopad_bin`, MySQL 8 `utf8mb4_0900_bin`; whichever the server
 * has. Still VARCHAR(64) of utf8mb4: lengths stay in characters, as domain/wire-fit counts them.
 *
 * SQLite compares text byte for byte already (its BINARY collation, the default): nothing to do there.
 *
 * Down: back to `utf8mb4_unicode_ci`; refused by the unique key while two stored ids differ only in case.
 */
export class RecordIdBytes1765500000000 implements MigrationInterface {
  name = 'RecordIdBytes1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') return;
    await this.setCollation(queryRunner, await byteCollation(queryRunner));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') return;
    await this.setCollation(queryRunner, 'utf8mb4_unicode_ci');
  }

  private async setCollation(queryRunner: QueryRunner, collation: string): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE ai_visitor_call_record MODIFY record_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE ${collation} NOT NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE ai_visitor_list MODIFY record_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE ${collation} NULL`,
    );
  }
}
