import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events to the recruiting platform (issue 13): a transactional outbox and its delivery.
 *  - `ai_visitor_event`: the outbox (`firm_id` NULL only for an event about an all-firms endpoint). Its public id
 *    is `evt_<id>`: unique and stable without an index of its own, so a write costs the primary key and three
 *    secondary entries (all at the NULL end of `position` until the sequencer runs). Purging old events walks the
 *    primary key (ids grow with time), so `created_at` needs no index either. A row is written in the same transaction as the change it describes, so a
 *    rolled-back change sends nothing and a committed one is never lost. `sequence` is per task (gapless, in
 *    commit order: assigned under the task's lock from `ai_visitor_task.event_seq`). `position` is the feed's
 *    order, assigned after commit by one sequencer at a time (`ai_visitor_event_cursor` row `feed`), so a reader
 *    paging by position never misses an event whose transaction committed late.
 *  - `ai_visitor_event_cursor`: named positions (`feed`: the last position assigned; `fanout`: the last event
 *    turned into deliveries).
 *  - `ai_visitor_webhook`: the endpoints operations register, per firm or for all firms (`firm_id` NULL); the
 *    signing secret sealed like the phone numbers.
 *  - `ai_visitor_webhook_delivery`: one row per (endpoint, event), retried with backoff, claimed by lease.
 *  - `ai_visitor_list.phone_masked`: the number as events show it (`+86138****1234`), kept at intake so that a
 *    page of results does not decrypt every number to mask it (rows from before: NULL, the ingest opens them).
 *  - `ai_visitor_firm_bot.expiry_notices`: which expiry notices went out for `expiry_notice_for` (the expiry
 *    date they were about), so each is sent once per grant.
 */
export class EventOutbox1765100000000 implements MigrationInterface {
  name = 'EventOutbox1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await this.upSqlite(queryRunner);
      return;
    }
    const table = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';
    await queryRunner.query(`
      CREATE TABLE ai_visitor_event (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        type VARCHAR(40) NOT NULL,
        firm_id BIGINT UNSIGNED NULL,
        task_id BIGINT UNSIGNED NULL,
        sequence INT UNSIGNED NULL,
        position BIGINT UNSIGNED NULL,
        data TEXT NOT NULL,
        created_at DATETIME(3) NOT NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_event_position (position),
        KEY idx_event_firm_position (firm_id, position),
        KEY idx_event_task_position (task_id, position)
      ) ${table}`);
    await queryRunner.query(`
      CREATE TABLE ai_visitor_event_cursor (
        name VARCHAR(32) NOT NULL,
        position BIGINT UNSIGNED NOT NULL DEFAULT 0,
        PRIMARY KEY (name)
      ) ${table}`);
    await queryRunner.query(`
      CREATE TABLE ai_visitor_webhook (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        firm_id BIGINT UNSIGNED NULL,
        url VARCHAR(2048) NOT NULL,
        event_types VARCHAR(1000) NULL,
        secret_enc VARCHAR(255) NOT NULL,
        secret_key_id VARCHAR(32) NOT NULL,
        full_phones TINYINT(1) NOT NULL DEFAULT 0,
        enabled TINYINT(1) NOT NULL DEFAULT 1,
        disabled_reason VARCHAR(255) NULL,
        failing_since DATETIME(3) NULL,
        last_success_at DATETIME(3) NULL,
        last_failure_at DATETIME(3) NULL,
        last_error VARCHAR(255) NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        KEY idx_webhook_firm (firm_id)
      ) ${table}`);
    await queryRunner.query(`
      CREATE TABLE ai_visitor_webhook_delivery (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        webhook_id BIGINT UNSIGNED NOT NULL,
        event_pk BIGINT UNSIGNED NOT NULL,
        task_id BIGINT UNSIGNED NULL,
        sequence INT UNSIGNED NULL,
        status TINYINT NOT NULL DEFAULT 0,
        attempts INT UNSIGNED NOT NULL DEFAULT 0,
        next_attempt_at DATETIME(3) NOT NULL,
        lease_owner VARCHAR(64) NULL,
        lease_until DATETIME(3) NULL,
        last_status INT NULL,
        last_error VARCHAR(255) NULL,
        created_at DATETIME(3) NOT NULL,
        delivered_at DATETIME(3) NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_delivery_event (webhook_id, event_pk),
        KEY idx_delivery_due (status, next_attempt_at),
        KEY idx_delivery_task_order (status, webhook_id, task_id, sequence)
      ) ${table}`);
    await queryRunner.query('ALTER TABLE ai_visitor_task ADD COLUMN event_seq INT UNSIGNED NOT NULL DEFAULT 0');
    await queryRunner.query('ALTER TABLE ai_visitor_list ADD COLUMN phone_masked VARCHAR(24) NULL');
    await queryRunner.query(
      'ALTER TABLE ai_visitor_firm_bot ADD COLUMN expiry_notice_for DATETIME(3) NULL, ADD COLUMN expiry_notices TINYINT NOT NULL DEFAULT 0',
    );
    await queryRunner.query("INSERT INTO ai_visitor_event_cursor (name, position) VALUES ('feed', 0), ('fanout', 0)");
  }

  private async upSqlite(queryRunner: QueryRunner): Promise<void> {
    const now = "(strftime('%Y-%m-%d %H:%M:%f', 'now'))";
    await queryRunner.query(`
      CREATE TABLE ai_visitor_event (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        type VARCHAR(40) NOT NULL,
        firm_id BIGINT NULL,
        task_id BIGINT NULL,
        sequence INTEGER NULL,
        position BIGINT NULL,
        data TEXT NOT NULL,
        created_at DATETIME NOT NULL
      )`);
    await queryRunner.query('CREATE UNIQUE INDEX uq_event_position ON ai_visitor_event (position)');
    await queryRunner.query('CREATE INDEX idx_event_firm_position ON ai_visitor_event (firm_id, position)');
    await queryRunner.query('CREATE INDEX idx_event_task_position ON ai_visitor_event (task_id, position)');
    await queryRunner.query(`
      CREATE TABLE ai_visitor_event_cursor (
        name VARCHAR(32) NOT NULL PRIMARY KEY,
        position BIGINT NOT NULL DEFAULT 0
      )`);
    await queryRunner.query(`
      CREATE TABLE ai_visitor_webhook (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        firm_id BIGINT NULL,
        url VARCHAR(2048) NOT NULL,
        event_types VARCHAR(1000) NULL,
        secret_enc VARCHAR(255) NOT NULL,
        secret_key_id VARCHAR(32) NOT NULL,
        full_phones TINYINT NOT NULL DEFAULT 0,
        enabled TINYINT NOT NULL DEFAULT 1,
        disabled_reason VARCHAR(255) NULL,
        failing_since DATETIME NULL,
        last_success_at DATETIME NULL,
        last_failure_at DATETIME NULL,
        last_error VARCHAR(255) NULL,
        created_at DATETIME NOT NULL DEFAULT ${now},
        updated_at DATETIME NOT NULL DEFAULT ${now}
      )`);
    await queryRunner.query('CREATE INDEX idx_webhook_firm ON ai_visitor_webhook (firm_id)');
    await queryRunner.query(`
      CREATE TABLE ai_visitor_webhook_delivery (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        webhook_id BIGINT NOT NULL,
        event_pk BIGINT NOT NULL,
        task_id BIGINT NULL,
        sequence INTEGER NULL,
        status TINYINT NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at DATETIME NOT NULL,
        lease_owner VARCHAR(64) NULL,
        lease_until DATETIME NULL,
        last_status INTEGER NULL,
        last_error VARCHAR(255) NULL,
        created_at DATETIME NOT NULL,
        delivered_at DATETIME NULL
      )`);
    await queryRunner.query(
      'CREATE UNIQUE INDEX uq_delivery_event ON ai_visitor_webhook_delivery (webhook_id, event_pk)',
    );
    await queryRunner.query('CREATE INDEX idx_delivery_due ON ai_visitor_webhook_delivery (status, next_attempt_at)');
    await queryRunner.query(
      'CREATE INDEX idx_delivery_task_order ON ai_visitor_webhook_delivery (status, webhook_id, task_id, sequence)',
    );
    await queryRunner.query('ALTER TABLE ai_visitor_task ADD COLUMN event_seq INTEGER NOT NULL DEFAULT 0');
    await queryRunner.query('ALTER TABLE ai_visitor_list ADD COLUMN phone_masked VARCHAR(24) NULL');
    await queryRunner.query('ALTER TABLE ai_visitor_firm_bot ADD COLUMN expiry_notice_for DATETIME NULL');
    await queryRunner.query('ALTER TABLE ai_visitor_firm_bot ADD COLUMN expiry_notices TINYINT NOT NULL DEFAULT 0');
    await queryRunner.query("INSERT INTO ai_visitor_event_cursor (name, position) VALUES ('feed', 0), ('fanout', 0)");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE ai_visitor_webhook_delivery');
    await queryRunner.query('DROP TABLE ai_visitor_webhook');
    await queryRunner.query('DROP TABLE ai_visitor_event_cursor');
    await queryRunner.query('DROP TABLE ai_visitor_event');
    await queryRunner.query('ALTER TABLE ai_visitor_firm_bot DROP COLUMN expiry_notices');
    await queryRunner.query('ALTER TABLE ai_visitor_firm_bot DROP COLUMN expiry_notice_for');
    await queryRunner.query('ALTER TABLE ai_visitor_list DROP COLUMN phone_masked');
    await queryRunner.query('ALTER TABLE ai_visitor_task DROP COLUMN event_seq');
  }
}
