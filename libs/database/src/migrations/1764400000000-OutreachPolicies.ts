import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What recruiters expect beyond the review: a call window per task, one "inconvenient now" callback per
 * contact, and the firm's number registry (ai_visitor_firm_phone) behind the cooling period, the do-not-call
 * list and numbers found wrong, shared by all the firm's tasks.
 */
export class OutreachPolicies1764400000000 implements MigrationInterface {
  name = 'OutreachPolicies1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
    const taskColumns = [
      "window_start VARCHAR(5) NOT NULL DEFAULT '09:00'",
      "window_end VARCHAR(5) NOT NULL DEFAULT '20:00'",
      "window_days VARCHAR(13) NOT NULL DEFAULT '1,2,3,4,5,6,7'",
      "window_tz VARCHAR(40) NOT NULL DEFAULT 'Asia/Shanghai'",
    ];
    const listColumns = ['callback_count TINYINT NOT NULL DEFAULT 0'];
    if (sqlite) {
      for (const column of taskColumns) await queryRunner.query(`ALTER TABLE ai_visitor_task ADD COLUMN ${column}`);
      for (const column of listColumns) await queryRunner.query(`ALTER TABLE ai_visitor_list ADD COLUMN ${column}`);
      const now = "(strftime('%Y-%m-%d %H:%M:%f', 'now'))";
      await queryRunner.query(`
        CREATE TABLE ai_visitor_firm_phone (
          firm_id BIGINT NOT NULL,
          phone VARCHAR(20) NOT NULL,
          last_called_at DATETIME NULL,
          last_task_id BIGINT NULL,
          do_not_call TINYINT NOT NULL DEFAULT 0,
          dnc_reason VARCHAR(32) NULL,
          dnc_at DATETIME NULL,
          invalid TINYINT NOT NULL DEFAULT 0,
          created_at DATETIME NOT NULL DEFAULT ${now},
          updated_at DATETIME NOT NULL DEFAULT ${now},
          PRIMARY KEY (firm_id, phone)
        )`);
      await queryRunner.query('CREATE INDEX idx_firm_phone_dnc ON ai_visitor_firm_phone (firm_id, do_not_call, phone)');
      return;
    }
    await queryRunner.query(`ALTER TABLE ai_visitor_task ${taskColumns.map((c) => `ADD COLUMN ${c}`).join(', ')}`);
    await queryRunner.query(`ALTER TABLE ai_visitor_list ${listColumns.map((c) => `ADD COLUMN ${c}`).join(', ')}`);
    await queryRunner.query(`
      CREATE TABLE ai_visitor_firm_phone (
        firm_id BIGINT UNSIGNED NOT NULL,
        phone VARCHAR(20) NOT NULL,
        last_called_at DATETIME(3) NULL,
        last_task_id BIGINT UNSIGNED NULL,
        do_not_call TINYINT(1) NOT NULL DEFAULT 0,
        dnc_reason VARCHAR(32) NULL,
        dnc_at DATETIME(3) NULL,
        invalid TINYINT(1) NOT NULL DEFAULT 0,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (firm_id, phone),
        KEY idx_firm_phone_dnc (firm_id, do_not_call, phone)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE ai_visitor_firm_phone');
    for (const column of ['window_start', 'window_end', 'window_days', 'window_tz']) {
      await queryRunner.query(`ALTER TABLE ai_visitor_task DROP COLUMN ${column}`);
    }
    await queryRunner.query('ALTER TABLE ai_visitor_list DROP COLUMN callback_count');
  }
}
