import { MigrationInterface, QueryRunner } from 'typeorm';

/** The dimensions statistics group contacts by, from this migration on: the skip reason joins them. */
const KEY = 'task_id, status, call_result, intension_result, skip_reason';
const OLD_KEY = 'task_id, status, call_result, intension_result';
const TRIGGERS = ['trg_list_stats_insert', 'trg_list_stats_update', 'trg_list_stats_delete'];

/**
 * Withdrawing candidates (issue 22, item 3), and editing a task (item 2):
 *  - `ai_visitor_list.withdraw_pending`: the recruiter withdrew a contact while a campaign held it (the platform
 *    cannot take it out): the intent, recorded under the task's lock; the sync withdraws it (skipped `withdrawn`)
 *    once that campaign is done with it. 0 for every existing contact.
 *  - the statistics counters gain the skip reason as a dimension (`''` for none), so the statistics say how many
 *    were skipped for each reason (`withdrawn` among them) at index speed, as the other counts. The counters are
 *    rebuilt from the contacts and the triggers recreated with the new key: run it with the apps stopped, as the
 *    migration that made them (a contact written between the count and the triggers would be missed).
 */
export class ContactWithdrawal1765810000000 implements MigrationInterface {
  name = 'ContactWithdrawal1765810000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
    await queryRunner.query('ALTER TABLE ai_visitor_list ADD COLUMN withdraw_pending TINYINT NOT NULL DEFAULT 0');
    for (const trigger of TRIGGERS) await queryRunner.query(`DROP TRIGGER IF EXISTS ${trigger}`);
    await queryRunner.query('DROP TABLE ai_visitor_task_stats');
    await this.createCounters(queryRunner, sqlite, KEY, true);
    await queryRunner.query(
      `INSERT INTO ai_visitor_task_stats (${KEY}, contacts, attempts)
       SELECT ${OLD_KEY}, COALESCE(skip_reason, ''), COUNT(*), SUM(attempts) FROM ai_visitor_list
       GROUP BY ${OLD_KEY}, COALESCE(skip_reason, '')`,
    );
    await this.createTriggers(queryRunner, sqlite, true);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
    for (const trigger of TRIGGERS) await queryRunner.query(`DROP TRIGGER IF EXISTS ${trigger}`);
    await queryRunner.query('DROP TABLE ai_visitor_task_stats');
    await this.createCounters(queryRunner, sqlite, OLD_KEY, false);
    await queryRunner.query(
      `INSERT INTO ai_visitor_task_stats (${OLD_KEY}, contacts, attempts)
       SELECT ${OLD_KEY}, COUNT(*), SUM(attempts) FROM ai_visitor_list GROUP BY ${OLD_KEY}`,
    );
    await this.createTriggers(queryRunner, sqlite, false);
    await queryRunner.query('ALTER TABLE ai_visitor_list DROP COLUMN withdraw_pending');
  }

  private async createCounters(queryRunner: QueryRunner, sqlite: boolean, key: string, withReason: boolean) {
    // The table's own collation, as the contact list's column: a trigger compares the two.
    const reason = withReason ? "skip_reason VARCHAR(16) NOT NULL DEFAULT ''," : '';
    await queryRunner.query(
      sqlite
        ? `CREATE TABLE ai_visitor_task_stats (
             task_id BIGINT NOT NULL,
             status TINYINT NOT NULL,
             call_result TINYINT NOT NULL,
             intension_result TINYINT NOT NULL,
             ${reason}
             contacts INTEGER NOT NULL DEFAULT 0,
             attempts INTEGER NOT NULL DEFAULT 0,
             PRIMARY KEY (${key})
           )`
        : `CREATE TABLE ai_visitor_task_stats (
             task_id BIGINT UNSIGNED NOT NULL,
             status TINYINT NOT NULL,
             call_result TINYINT NOT NULL,
             intension_result TINYINT NOT NULL,
             ${reason}
             contacts INT NOT NULL DEFAULT 0,
             attempts BIGINT NOT NULL DEFAULT 0,
             PRIMARY KEY (${key})
           ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
    );
  }

  /** The triggers of migration TaskStatsCounters, keyed by the skip reason too (`withReason`) or not (down). */
  private async createTriggers(queryRunner: QueryRunner, sqlite: boolean, withReason: boolean): Promise<void> {
    const key = withReason ? KEY : OLD_KEY;
    const values = (row: 'NEW') =>
      `${row}.task_id, ${row}.status, ${row}.call_result, ${row}.intension_result` +
      (withReason ? `, COALESCE(${row}.skip_reason, '')` : '');
    const add = (row: 'NEW') =>
      sqlite
        ? `INSERT INTO ai_visitor_task_stats (${key}, contacts, attempts)
           VALUES (${values(row)}, 1, ${row}.attempts)
           ON CONFLICT (${key}) DO UPDATE SET contacts = contacts + 1, attempts = attempts + excluded.attempts;`
        : `INSERT INTO ai_visitor_task_stats (${key}, contacts, attempts)
           VALUES (${values(row)}, 1, ${row}.attempts)
           ON DUPLICATE KEY UPDATE contacts = contacts + 1, attempts = attempts + VALUES(attempts);`;
    const remove = (row: 'OLD') =>
      `UPDATE ai_visitor_task_stats SET contacts = contacts - 1, attempts = attempts - ${row}.attempts
       WHERE task_id = ${row}.task_id AND status = ${row}.status AND call_result = ${row}.call_result
         AND intension_result = ${row}.intension_result` +
      (withReason ? ` AND skip_reason = COALESCE(${row}.skip_reason, '');` : ';');
    const changed =
      `NOT (OLD.task_id = NEW.task_id AND OLD.status = NEW.status AND OLD.call_result = NEW.call_result
         AND OLD.intension_result = NEW.intension_result AND OLD.attempts = NEW.attempts` +
      (withReason ? ` AND COALESCE(OLD.skip_reason, '') = COALESCE(NEW.skip_reason, ''))` : ')');
    const columns = `task_id, status, call_result, intension_result, attempts${withReason ? ', skip_reason' : ''}`;

    if (sqlite) {
      await queryRunner.query(
        `CREATE TRIGGER trg_list_stats_insert AFTER INSERT ON ai_visitor_list BEGIN ${add('NEW')} END`,
      );
      await queryRunner.query(
        `CREATE TRIGGER trg_list_stats_update AFTER UPDATE OF ${columns}
         ON ai_visitor_list WHEN ${changed} BEGIN ${remove('OLD')} ${add('NEW')} END`,
      );
      await queryRunner.query(
        `CREATE TRIGGER trg_list_stats_delete AFTER DELETE ON ai_visitor_list BEGIN ${remove('OLD')} END`,
      );
      return;
    }
    await queryRunner.query(
      `CREATE TRIGGER trg_list_stats_insert AFTER INSERT ON ai_visitor_list FOR EACH ROW ${add('NEW').replace(/;$/, '')}`,
    );
    await queryRunner.query(
      `CREATE TRIGGER trg_list_stats_update AFTER UPDATE ON ai_visitor_list FOR EACH ROW
       IF ${changed} THEN ${remove('OLD')} ${add('NEW')} END IF`,
    );
    await queryRunner.query(
      `CREATE TRIGGER trg_list_stats_delete AFTER DELETE ON ai_visitor_list FOR EACH ROW ${remove('OLD').replace(/;$/, '')}`,
    );
  }
}
