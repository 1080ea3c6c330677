import { MigrationInterface, QueryRunner } from 'typeorm';
import { PhoneVault, phoneKeysFromEnv, SealedPhone } from '@app/core';
import { queryRows } from '../query-rows';

/** Rows sealed per statement while converting. */
const BATCH = 500;
/** Rows per CASE update. */
const CASE_ROWS = 100;

/**
 * Phone numbers at rest: the clear `phone` columns of the contact list and of the firm's number registry become
 * `phone_hash` (HMAC-SHA256 blind index: the unique key and every look-up), `phone_enc` (AES-256-GCM) and
 * `phone_key_id`. Existing rows are sealed in batches with the keys from the environment (PHONE_ENCRYPTION_KEYS,
 * PHONE_HASH_KEY; see PhoneVault), so set them before running it on a database that holds numbers.
 */
export class PhoneEncryption1764700000000 implements MigrationInterface {
  name = 'PhoneEncryption1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
    const vault = lazyVault(sqlite);
    if (sqlite) {
      for (const table of ['ai_visitor_list', 'ai_visitor_firm_phone']) {
        await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN phone_hash CHAR(64) NOT NULL DEFAULT ''`);
        await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN phone_enc VARCHAR(96) NOT NULL DEFAULT ''`);
        await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN phone_key_id VARCHAR(16) NOT NULL DEFAULT ''`);
      }
    } else {
      for (const table of ['ai_visitor_list', 'ai_visitor_firm_phone']) {
        await queryRunner.query(`ALTER TABLE ${table}
          ADD COLUMN phone_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL AFTER phone,
          ADD COLUMN phone_enc VARCHAR(96) CHARACTER SET ascii COLLATE ascii_bin NULL AFTER phone_hash,
          ADD COLUMN phone_key_id VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL AFTER phone_enc`);
      }
    }

    await sealAll(queryRunner, 'ai_visitor_list', ['id'], vault);
    await sealAll(queryRunner, 'ai_visitor_firm_phone', ['firm_id', 'phone'], vault);

    if (sqlite) {
      await queryRunner.query('DROP INDEX uq_list_task_phone');
      await queryRunner.query('ALTER TABLE ai_visitor_list DROP COLUMN phone');
      await queryRunner.query('CREATE UNIQUE INDEX uq_list_task_phone ON ai_visitor_list (task_id, phone_hash)');
      // SQLite cannot change a primary key in place: the registry is rebuilt (nothing references it).
      const now = "(strftime('%Y-%m-%d %H:%M:%f', 'now'))";
      await queryRunner.query(`
        CREATE TABLE ai_visitor_firm_phone_sealed (
          firm_id BIGINT NOT NULL,
          phone_hash CHAR(64) NOT NULL,
          phone_enc VARCHAR(96) NOT NULL,
          phone_key_id VARCHAR(16) NOT NULL,
          last_called_at DATETIME NULL,
          last_task_id BIGINT NULL,
          do_not_call TINYINT NOT NULL DEFAULT 0,
          dnc_reason VARCHAR(32) NULL,
          dnc_at DATETIME NULL,
          invalid TINYINT NOT NULL DEFAULT 0,
          created_at DATETIME NOT NULL DEFAULT ${now},
          updated_at DATETIME NOT NULL DEFAULT ${now},
          PRIMARY KEY (firm_id, phone_hash)
        )`);
      const columns =
        'firm_id, phone_hash, phone_enc, phone_key_id, last_called_at, last_task_id, do_not_call, dnc_reason, dnc_at, invalid, created_at, updated_at';
      await queryRunner.query(
        `INSERT INTO ai_visitor_firm_phone_sealed (${columns}) SELECT ${columns} FROM ai_visitor_firm_phone`,
      );
      await queryRunner.query('DROP TABLE ai_visitor_firm_phone');
      await queryRunner.query('ALTER TABLE ai_visitor_firm_phone_sealed RENAME TO ai_visitor_firm_phone');
      await queryRunner.query(
        'CREATE INDEX idx_firm_phone_dnc ON ai_visitor_firm_phone (firm_id, do_not_call, dnc_at)',
      );
      return;
    }
    await queryRunner.query(`ALTER TABLE ai_visitor_list
      MODIFY phone_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      MODIFY phone_enc VARCHAR(96) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      MODIFY phone_key_id VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      DROP INDEX uq_list_task_phone,
      ADD UNIQUE KEY uq_list_task_phone (task_id, phone_hash),
      DROP COLUMN phone`);
    await queryRunner.query(`ALTER TABLE ai_visitor_firm_phone
      MODIFY phone_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      MODIFY phone_enc VARCHAR(96) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      MODIFY phone_key_id VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      DROP PRIMARY KEY,
      ADD PRIMARY KEY (firm_id, phone_hash),
      DROP INDEX idx_firm_phone_dnc,
      ADD KEY idx_firm_phone_dnc (firm_id, do_not_call, dnc_at),
      DROP COLUMN phone`);
  }

  down(): Promise<void> {
    // Going back would write every number in clear again: not offered. Restore a backup instead.
    return Promise.reject(
      new Error('PhoneEncryption1764700000000 cannot be reverted: it would store phone numbers in clear'),
    );
  }
}

/**
 * The vault is needed only when there are rows to convert: a new database needs no keys to be migrated. A
 * migration runs outside any Nest container (the migration CLI, a test's migrator), so it reads the keys from the
 * environment itself, as config loading; DATABASE_URL follows the connection being migrated, not the variable.
 */
function lazyVault(sqlite: boolean): () => PhoneVault {
  let vault: PhoneVault | undefined;
  return () => {
    vault ??= new PhoneVault(
      phoneKeysFromEnv({ ...process.env, DATABASE_URL: sqlite ? '' : process.env.DATABASE_URL || 'set' }),
    );
    return vault;
  };
}

async function sealAll(queryRunner: QueryRunner, table: string, key: string[], vault: () => PhoneVault): Promise<void> {
  for (;;) {
    const rows = await queryRows<Record<string, unknown>>(
      queryRunner,
      `SELECT ${key.join(', ')}, phone FROM ${table} WHERE phone_key_id IS NULL OR phone_key_id = '' LIMIT ${BATCH}`,
    );
    if (rows.length === 0) return;
    const sealed = rows.map((row) => vault().seal(String(row.phone)));
    if (key.length === 1) {
      // One statement per hundred rows (CASE on the key): about ten times faster than one UPDATE per row.
      for (let i = 0; i < rows.length; i += CASE_ROWS) {
        const ids = rows.slice(i, i + CASE_ROWS).map((row) => row[key[0]]);
        const part = sealed.slice(i, i + CASE_ROWS);
        const params: unknown[] = [];
        const caseOf = (pick: (p: SealedPhone) => string) =>
          `CASE ${key[0]} ${ids.map((id, j) => (params.push(id, pick(part[j])), 'WHEN ? THEN ?')).join(' ')} END`;
        const sets = `phone_hash = ${caseOf((p) => p.hash)}, phone_enc = ${caseOf((p) => p.enc)}, phone_key_id = ${caseOf((p) => p.keyId)}`;
        await queryRunner.query(`UPDATE ${table} SET ${sets} WHERE ${key[0]} IN (${ids.map(() => '?').join(', ')})`, [
          ...params,
          ...ids,
        ]);
      }
      continue;
    }
    for (const [j, row] of rows.entries()) {
      await queryRunner.query(
        `UPDATE ${table} SET phone_hash = ?, phone_enc = ?, phone_key_id = ? WHERE ${key.map((k) => `${k} = ?`).join(' AND ')}`,
        [sealed[j].hash, sealed[j].enc, sealed[j].keyId, ...key.map((k) => row[k])],
      );
    }
  }
}
