import { DataSource, QueryRunner } from 'typeorm';
import { PhoneVault } from '@app/core';

/** The tables that hold sealed numbers, with the key that finds one row. */
const SEALED_TABLES = [
  { table: 'ai_visitor_list', key: ['id'] },
  { table: 'ai_visitor_firm_phone', key: ['firm_id', 'phone_hash'] },
] as const;

export interface RekeyReport {
  /** Rows resealed under the active key, per table. */
  resealed: Record<string, number>;
}

/**
 * Key rotation, second half: reseals every stored number that is not under the vault's active key, in batches
 * (each row's update checks it still holds the ciphertext it read, so a concurrent writer is never overwritten).
 * The hashes do not change (the hash key is not rotated). Once it reports nothing left, the retired key may be
 * dropped from PHONE_ENCRYPTION_KEYS. Safe to run while the service runs, and to run again.
 */
export async function rekeyPhones(dataSource: DataSource, vault: PhoneVault, batch = 500): Promise<RekeyReport> {
  const report: RekeyReport = { resealed: {} };
  const runner = dataSource.createQueryRunner();
  try {
    for (const { table, key } of SEALED_TABLES) report.resealed[table] = await rekeyTable(runner, vault, table, key, batch);
  } finally {
    await runner.release();
  }
  return report;
}

async function rekeyTable(runner: QueryRunner, vault: PhoneVault, table: string, key: readonly string[], batch: number): Promise<number> {
  let resealed = 0;
  let after: unknown[] | null = null;
  for (;;) {
    // Keyset over the table's key, so rows another writer keeps under an old key cannot loop us forever.
    const keyList = key.join(', ');
    const page: Record<string, unknown>[] = await runner.query(
      `SELECT ${keyList}, phone_enc, phone_key_id FROM ${table} WHERE phone_key_id <> ?` +
        (after ? ` AND (${keyList}) > (${key.map(() => '?').join(', ')})` : '') +
        ` ORDER BY ${keyList} LIMIT ${batch}`,
      [vault.activeKeyId, ...(after ?? [])],
    );
    if (page.length === 0) break;
    for (const row of page) {
      const phone = vault.open({ enc: String(row.phone_enc), keyId: String(row.phone_key_id) });
      const sealed = vault.seal(phone);
      const result = await runner.query(
        `UPDATE ${table} SET phone_enc = ?, phone_key_id = ? WHERE ${key.map((k) => `${k} = ?`).join(' AND ')} AND phone_enc = ?`,
        [sealed.enc, sealed.keyId, ...key.map((k) => row[k]), row.phone_enc],
        true,
      );
      resealed += result.affected ?? 0;
    }
    const last = page[page.length - 1];
    after = key.map((k) => last[k]);
  }
  return resealed;
}
