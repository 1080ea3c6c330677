import { MigrationInterface, QueryRunner } from 'typeorm';

/** The dimensions statistics group contacts by: one counter row per task and combination. */
const KEY = 'task_id, status, call_result, intension_result';

/**
 * Statistics at index speed whatever the task's size: per-task counters of contacts (and of their call
 * attempts) by status, call result and intention, kept by triggers on `ai_visitor_list`, so every write path (intake,
 * campaigns, results, pause, cancel, a worker killed mid-transaction) moves them in the same transaction as the
 * contacts themselves: exact by construction, never a second code path to forget. Reading a task's statistics
 * reads at most a few dozen counter rows instead of aggregating up to millions of contacts (measured: see the
 * latest full run in bench/README.md). Existing contacts are counted once when the migration runs (run it with the apps
 * stopped: a contact written between the count and the triggers would be missed).
 */
export class TaskStatsCounters1764800000000 implements MigrationInterface {
  name = 'TaskStatsCounters1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
    await queryRunner.query(
      sqlite
        ? `CREATE TABLE ai_visitor_task_stats (
             task_id BIGINT NOT NULL,
             status TINYINT NOT NULL,
             call_result TINYINT NOT NULL,
             intension_result TINYINT NOT NULL,
             contacts INTEGER NOT NULL DEFAULT 0,
             attempts INTEGER NOT NULL DEFAULT 0,
             PRIMARY KEY (${KEY})
           )`
        : `CREATE TABLE ai_visitor_task_stats (
             task_id BIGINT UNSIGNED NOT NULL,
             status TINYINT NOT NULL,
             call_result TINYINT NOT NULL,
             intension_result TINYINT NOT NULL,
             contacts INT NOT NULL DEFAULT 0,
             attempts BIGINT NOT NULL DEFAULT 0,
             PRIMARY KEY (${KEY})
           ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
    );
    await queryRunner.query(
      `INSERT INTO ai_visitor_task_stats (${KEY}, contacts, attempts)
       SELECT ${KEY}, COUNT(*), SUM(attempts) FROM ai_visitor_list GROUP BY ${KEY}`,
    );

    const add = (row: 'NEW') =>
      sqlite
        ? `INSERT INTO ai_visitor_task_stats (${KEY}, contacts, attempts)
           VALUES (${row}.task_id, ${row}.status, ${row}.call_result, ${row}.intension_result, 1, ${row}.attempts)
           ON CONFLICT (${KEY}) DO UPDATE SET contacts = contacts + 1, attempts = attempts + excluded.attempts;`
        : `INSERT INTO ai_visitor_task_stats (${KEY}, contacts, attempts)
           VALUES (${row}.task_id, ${row}.status, ${row}.call_result, ${row}.intension_result, 1, ${row}.attempts)
           ON DUPLICATE KEY UPDATE contacts = contacts + 1, attempts = attempts + VALUES(attempts);`;
    const remove = (row: 'OLD') =>
      `UPDATE ai_visitor_task_stats SET contacts = contacts - 1, attempts = attempts - ${row}.attempts
       WHERE task_id = ${row}.task_id AND status = ${row}.status AND call_result = ${row}.call_result
         AND intension_result = ${row}.intension_result;`;
    const changed = `NOT (OLD.task_id = NEW.task_id AND OLD.status = NEW.status AND OLD.call_result = NEW.call_result
         AND OLD.intension_result = NEW.intension_result AND OLD.attempts = NEW.attempts)`;

    if (sqlite) {
      await queryRunner.query(
        `CREATE TRIGGER trg_list_stats_insert AFTER INSERT ON ai_visitor_list BEGIN ${add('NEW')} END`,
      );
      await queryRunner.query(
        `CREATE TRIGGER trg_list_stats_update AFTER UPDATE OF task_id, status, call_result, intension_result, attempts
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

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const trigger of ['trg_list_stats_insert', 'trg_list_stats_update', 'trg_list_stats_delete']) {
      await queryRunner.query(`DROP TRIGGER IF EXISTS ${trigger}`);
    }
    await queryRunner.query('DROP TABLE ai_visitor_task_stats');
  }
}
