import { DataSource, QueryRunner } from 'typeorm';
import { ERASED_KEY_ID, PhoneVault } from '@app/core';
import { queryRows } from './query-rows';

/**
 * The values sealed with the vault's keys: the report's name for them, their table, the key that finds one row and
 * the sealed columns (a row whose key id is NULL holds no value there and is skipped, and so is an erased number's:
 * its key id is the erased marker and there is nothing left to reseal).
 */
const SEALED_TABLES = [
  { name: 'ai_visitor_list', table: 'ai_visitor_list', key: ['id'], enc: 'phone_enc', keyId: 'phone_key_id' },
  {
    name: 'ai_visitor_firm_phone',
    table: 'ai_visitor_firm_phone',
    key: ['firm_id', 'phone_hash'],
    enc: 'phone_enc',
    keyId: 'phone_key_id',
  },
  // Webhook signing secrets are sealed with the same keys (libs/events), so one rotation covers them too: the
  // current one, and the one a secret rotation replaced (it still signs during the overlap).
  { name: 'ai_visitor_webhook', table: 'ai_visitor_webhook', key: ['id'], enc: 'secret_enc', keyId: 'secret_key_id' },
  {
    name: 'ai_visitor_webhook.previous_secret',
    table: 'ai_visitor_webhook',
    key: ['id'],
    enc: 'previous_secret_enc',
    keyId: 'previous_secret_key_id',
  },
  // What candidates said on their calls (libs/task's `call_conversation`): the three fields sealed together, with its
  // key id beside it (migration ConversationSealedTogether), and in rows stored before it each field sealed on its
  // own (NULL where the platform gave nothing, or the row is sealed together: skipped).
  {
    name: 'call_conversation.conversation',
    table: 'call_conversation',
    key: ['call_record_id'],
    enc: 'conversation_enc',
    keyId: 'conversation_key_id',
  },
  ...(['summary', 'transcript', 'recording_url'] as const).map(
    (field) =>
      ({
        name: `call_conversation.${field}`,
        table: 'call_conversation',
        key: ['call_record_id'],
        enc: `${field}_enc`,
        keyId: `${field}_key_id`,
      }) as const,
  ),
] as const;

type SealedTable = (typeof SEALED_TABLES)[number];

export interface RekeyReport {
  /**
   * Values resealed under the active key, per table (and `ai_visitor_webhook.previous_secret` for rotated-out
   * secrets, `call_conversation.conversation` for the conversations sealed together, `call_conversation.summary` /
   * `.transcript` / `.recording_url` for each field of those stored before).
   */
  resealed: Record<string, number>;
}

/**
 * Key rotation, second half: reseals every stored number (and webhook signing secret, current and previous, and
 * every call's summary, transcript and recording link) that is not under the vault's active key, in batches
 * (each row's update checks it still holds the ciphertext it read, so a concurrent writer is never overwritten).
 * The hashes do not change (the hash key is not rotated). Once it reports nothing left, the retired key may be
 * dropped from PHONE_ENCRYPTION_KEYS. Safe to run while the service runs, and to run again.
 */
export async function rekeyPhones(dataSource: DataSource, vault: PhoneVault, batch = 500): Promise<RekeyReport> {
  const report: RekeyReport = { resealed: {} };
  const runner = dataSource.createQueryRunner();
  try {
    for (const sealed of SEALED_TABLES) report.resealed[sealed.name] = await rekeyTable(runner, vault, sealed, batch);
  } finally {
    await runner.release();
  }
  return report;
}

async function rekeyTable(
  runner: QueryRunner,
  vault: PhoneVault,
  { table, key, enc, keyId }: SealedTable,
  batch: number,
): Promise<number> {
  let resealed = 0;
  let after: unknown[] | null = null;
  for (;;) {
    // Keyset over the table's key, so rows another writer keeps under an old key cannot loop us forever.
    const keyList = key.join(', ');
    const page: Record<string, unknown>[] = await queryRows(
      runner,
      `SELECT ${keyList}, ${enc} AS sealed_enc, ${keyId} AS sealed_key_id FROM ${table} WHERE ${keyId} <> ? AND ${keyId} <> ?` +
        (after ? ` AND (${keyList}) > (${key.map(() => '?').join(', ')})` : '') +
        ` ORDER BY ${keyList} LIMIT ${batch}`,
      [vault.activeKeyId, ERASED_KEY_ID, ...(after ?? [])],
    );
    if (page.length === 0) break;
    for (const row of page) {
      const value = vault.open({ enc: String(row.sealed_enc), keyId: String(row.sealed_key_id) });
      const sealed = vault.seal(value);
      const result = await runner.query(
        `UPDATE ${table} SET ${enc} = ?, ${keyId} = ? WHERE ${key.map((k) => `${k} = ?`).join(' AND ')} AND ${enc} = ?`,
        [sealed.enc, sealed.keyId, ...key.map((k) => row[k]), row.sealed_enc],
        true,
      );
      resealed += result.affected ?? 0;
    }
    const last = page[page.length - 1];
    after = key.map((k) => last[k]);
  }
  return resealed;
}
