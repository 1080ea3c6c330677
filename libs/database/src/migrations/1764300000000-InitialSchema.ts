import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The schema of SPEC §2. Status columns keep the platform's numbers. `ai_visitor_call_task.active_task_id`
 * is how the database itself refuses a second active (0/1/2) campaign per task: MySQL has no partial
 * unique index, so a stored generated column holds the task id only while the row is active, and NULLs
 * never collide in a UNIQUE index. The embedded SQLite database gets the same tables (see upSqlite).
 */
export class InitialSchema1764300000000 implements MigrationInterface {
  name = 'InitialSchema1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') return this.upSqlite(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ai_visitor_firm_bot (
        firm_id BIGINT UNSIGNED NOT NULL,
        is_open_bot TINYINT(1) NOT NULL DEFAULT 0,
        bot_expire_at DATETIME(3) NULL,
        bot_task_num INT UNSIGNED NOT NULL DEFAULT 0,
        bot_task_used INT UNSIGNED NOT NULL DEFAULT 0,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (firm_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await queryRunner.query(`
      CREATE TABLE ai_visitor_task (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        firm_id BIGINT UNSIGNED NOT NULL,
        account_id BIGINT UNSIGNED NOT NULL,
        name VARCHAR(100) NOT NULL,
        script_id VARCHAR(64) NOT NULL,
        status TINYINT NOT NULL DEFAULT 1,
        pause_reason VARCHAR(32) NULL,
        batch_size INT UNSIGNED NOT NULL,
        max_attempts TINYINT UNSIGNED NOT NULL,
        retry_gap_minutes INT UNSIGNED NOT NULL,
        started_at DATETIME(3) NULL,
        finished_at DATETIME(3) NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        KEY idx_task_account (firm_id, account_id, id),
        KEY idx_task_status (status, id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await queryRunner.query(`
      CREATE TABLE ai_visitor_call_task (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        task_id BIGINT UNSIGNED NOT NULL,
        batch_no INT UNSIGNED NOT NULL,
        request_id VARCHAR(64) NOT NULL,
        campaign_id VARCHAR(64) NULL,
        status TINYINT NOT NULL DEFAULT 0,
        contact_count INT UNSIGNED NOT NULL DEFAULT 0,
        detail_cursor VARCHAR(64) NULL,
        active_task_id BIGINT UNSIGNED AS (IF(status IN (0, 1, 2), task_id, NULL)) STORED,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        finished_at DATETIME(3) NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_call_task_request (request_id),
        UNIQUE KEY uq_call_task_campaign (campaign_id),
        UNIQUE KEY uq_call_task_batch (task_id, batch_no),
        UNIQUE KEY uq_call_task_one_active (active_task_id),
        CONSTRAINT fk_call_task_task FOREIGN KEY (task_id) REFERENCES ai_visitor_task (id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await queryRunner.query(`
      CREATE TABLE ai_visitor_list (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        task_id BIGINT UNSIGNED NOT NULL,
        candidate_ref VARCHAR(64) NULL,
        name VARCHAR(64) NULL,
        phone VARCHAR(20) NOT NULL,
        status TINYINT NOT NULL DEFAULT 1,
        skip_reason VARCHAR(16) NULL,
        call_task_id BIGINT UNSIGNED NULL,
        attempts TINYINT UNSIGNED NOT NULL DEFAULT 0,
        call_result TINYINT NOT NULL DEFAULT 0,
        fail_reason VARCHAR(16) NULL,
        intension_result TINYINT NOT NULL DEFAULT 0,
        duration_sec INT UNSIGNED NOT NULL DEFAULT 0,
        called_at DATETIME(3) NULL,
        record_id VARCHAR(64) NULL,
        synced_at DATETIME(3) NULL,
        next_attempt_at DATETIME(3) NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        UNIQUE KEY uq_list_task_phone (task_id, phone),
        KEY idx_list_waiting (task_id, status, next_attempt_at, id),
        KEY idx_list_call_task (call_task_id),
        KEY idx_list_stats (task_id, status, call_result, intension_result),
        CONSTRAINT fk_list_task FOREIGN KEY (task_id) REFERENCES ai_visitor_task (id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await queryRunner.query(`
      CREATE TABLE ai_visitor_call_record (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        record_id VARCHAR(64) NOT NULL,
        task_id BIGINT UNSIGNED NOT NULL,
        call_task_id BIGINT UNSIGNED NOT NULL,
        contact_id BIGINT UNSIGNED NOT NULL,
        call_result TINYINT NOT NULL,
        fail_reason VARCHAR(16) NULL,
        intension_result TINYINT NOT NULL DEFAULT 0,
        duration_sec INT UNSIGNED NOT NULL DEFAULT 0,
        called_at DATETIME(3) NOT NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        UNIQUE KEY uq_call_record_remote (record_id),
        KEY idx_call_record_contact (contact_id),
        KEY idx_call_record_call_task (call_task_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  /**
   * The same schema on the embedded database. SQLite has partial indexes, so the one-active-campaign rule is a
   * unique index over task_id restricted to active rows. Datetimes are UTC text in TypeORM's own format.
   */
  private async upSqlite(queryRunner: QueryRunner): Promise<void> {
    const now = "(strftime('%Y-%m-%d %H:%M:%f', 'now'))";
    await queryRunner.query(`
      CREATE TABLE ai_visitor_firm_bot (
        firm_id BIGINT NOT NULL PRIMARY KEY,
        is_open_bot TINYINT NOT NULL DEFAULT 0,
        bot_expire_at DATETIME NULL,
        bot_task_num INTEGER NOT NULL DEFAULT 0,
        bot_task_used INTEGER NOT NULL DEFAULT 0,
        created_at DATETIME NOT NULL DEFAULT ${now},
        updated_at DATETIME NOT NULL DEFAULT ${now}
      )`);
    await queryRunner.query(`
      CREATE TABLE ai_visitor_task (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        firm_id BIGINT NOT NULL,
        account_id BIGINT NOT NULL,
        name VARCHAR(100) NOT NULL,
        script_id VARCHAR(64) NOT NULL,
        status TINYINT NOT NULL DEFAULT 1,
        pause_reason VARCHAR(32) NULL,
        batch_size INTEGER NOT NULL,
        max_attempts TINYINT NOT NULL,
        retry_gap_minutes INTEGER NOT NULL,
        started_at DATETIME NULL,
        finished_at DATETIME NULL,
        created_at DATETIME NOT NULL DEFAULT ${now},
        updated_at DATETIME NOT NULL DEFAULT ${now}
      )`);
    await queryRunner.query('CREATE INDEX idx_task_account ON ai_visitor_task (firm_id, account_id, id)');
    await queryRunner.query('CREATE INDEX idx_task_status ON ai_visitor_task (status, id)');

    await queryRunner.query(`
      CREATE TABLE ai_visitor_call_task (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id BIGINT NOT NULL REFERENCES ai_visitor_task (id),
        batch_no INTEGER NOT NULL,
        request_id VARCHAR(64) NOT NULL,
        campaign_id VARCHAR(64) NULL,
        status TINYINT NOT NULL DEFAULT 0,
        contact_count INTEGER NOT NULL DEFAULT 0,
        detail_cursor VARCHAR(64) NULL,
        created_at DATETIME NOT NULL DEFAULT ${now},
        updated_at DATETIME NOT NULL DEFAULT ${now},
        finished_at DATETIME NULL
      )`);
    await queryRunner.query('CREATE UNIQUE INDEX uq_call_task_request ON ai_visitor_call_task (request_id)');
    await queryRunner.query('CREATE UNIQUE INDEX uq_call_task_campaign ON ai_visitor_call_task (campaign_id)');
    await queryRunner.query('CREATE UNIQUE INDEX uq_call_task_batch ON ai_visitor_call_task (task_id, batch_no)');
    await queryRunner.query(
      'CREATE UNIQUE INDEX uq_call_task_one_active ON ai_visitor_call_task (task_id) WHERE status IN (0, 1, 2)',
    );

    await queryRunner.query(`
      CREATE TABLE ai_visitor_list (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id BIGINT NOT NULL REFERENCES ai_visitor_task (id),
        candidate_ref VARCHAR(64) NULL,
        name VARCHAR(64) NULL,
        phone VARCHAR(20) NOT NULL,
        status TINYINT NOT NULL DEFAULT 1,
        skip_reason VARCHAR(16) NULL,
        call_task_id BIGINT NULL,
        attempts TINYINT NOT NULL DEFAULT 0,
        call_result TINYINT NOT NULL DEFAULT 0,
        fail_reason VARCHAR(16) NULL,
        intension_result TINYINT NOT NULL DEFAULT 0,
        duration_sec INTEGER NOT NULL DEFAULT 0,
        called_at DATETIME NULL,
        record_id VARCHAR(64) NULL,
        synced_at DATETIME NULL,
        next_attempt_at DATETIME NULL,
        created_at DATETIME NOT NULL DEFAULT ${now},
        updated_at DATETIME NOT NULL DEFAULT ${now}
      )`);
    await queryRunner.query('CREATE UNIQUE INDEX uq_list_task_phone ON ai_visitor_list (task_id, phone)');
    await queryRunner.query('CREATE INDEX idx_list_waiting ON ai_visitor_list (task_id, status, next_attempt_at, id)');
    await queryRunner.query('CREATE INDEX idx_list_call_task ON ai_visitor_list (call_task_id)');
    await queryRunner.query(
      'CREATE INDEX idx_list_stats ON ai_visitor_list (task_id, status, call_result, intension_result)',
    );

    await queryRunner.query(`
      CREATE TABLE ai_visitor_call_record (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        record_id VARCHAR(64) NOT NULL,
        task_id BIGINT NOT NULL,
        call_task_id BIGINT NOT NULL,
        contact_id BIGINT NOT NULL,
        call_result TINYINT NOT NULL,
        fail_reason VARCHAR(16) NULL,
        intension_result TINYINT NOT NULL DEFAULT 0,
        duration_sec INTEGER NOT NULL DEFAULT 0,
        called_at DATETIME NOT NULL,
        created_at DATETIME NOT NULL DEFAULT ${now}
      )`);
    await queryRunner.query('CREATE UNIQUE INDEX uq_call_record_remote ON ai_visitor_call_record (record_id)');
    await queryRunner.query('CREATE INDEX idx_call_record_contact ON ai_visitor_call_record (contact_id)');
    await queryRunner.query('CREATE INDEX idx_call_record_call_task ON ai_visitor_call_record (call_task_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE ai_visitor_call_record');
    await queryRunner.query('DROP TABLE ai_visitor_list');
    await queryRunner.query('DROP TABLE ai_visitor_call_task');
    await queryRunner.query('DROP TABLE ai_visitor_task');
    await queryRunner.query('DROP TABLE ai_visitor_firm_bot');
  }
}
