import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { isErasedSealed, PhoneVault } from '@app/core';
import { parseDbDate, SqlDialect } from '@app/database';

/** What the platform said on one call: each field null when it did not give it. */
export interface Conversation {
  recordingUrl: string | null;
  transcript: string | null;
  summary: string | null;
}

/** A conversation to store, for the call record it belongs to (as stored: its id, task, contact and time). */
export interface ConversationRow {
  callRecordId: string;
  taskId: string;
  contactId: string;
  calledAt: Date;
  conversation: Conversation;
}

/** One call of a contact's history, newest first: the record's outcome and what was said. */
export interface CallHistoryRow extends Conversation {
  recordId: string;
  callResult: number;
  intention: number;
  durationSec: number;
  failReason: string | null;
  calledAt: Date;
}

const TABLE = 'call_conversation';
/** The three sealed fields, each a ciphertext column and the id of the key that sealed it. */
const SEALED = [
  ['summary', 'summary_enc', 'summary_key_id'],
  ['transcript', 'transcript_enc', 'transcript_key_id'],
  ['recordingUrl', 'recording_url_enc', 'recording_url_key_id'],
] as const;
const COLUMNS = [
  'call_record_id',
  'task_id',
  'contact_id',
  'called_at',
  ...SEALED.flatMap(([, enc, key]) => [enc, key]),
];
const FILLED = SEALED.flatMap(([, enc, key]) => [enc, key]);
/**
 * Sealed text bound per INSERT statement: a page of records with long transcripts (20,000 characters each, about
 * 107 KB sealed) in one statement would pass `max_allowed_packet` (16 MB by default on MySQL/MariaDB).
 */
const MAX_STATEMENT_CHARS = 4_000_000;

type SealedColumns = Record<(typeof SEALED)[number][1] | (typeof SEALED)[number][2], string | null>;

/**
 * The conversations of stored calls (table `call_conversation`, one row per call record that had one), sealed at
 * rest with the phone vault's keys: written on the ingest path in the page's transaction, opened only when read
 * for a recruiter (the call history, the last call's summary). The one place that sees the sealed columns.
 */
@Injectable()
export class CallConversationRepository {
  constructor(
    private readonly dialect: SqlDialect,
    private readonly vault: PhoneVault,
  ) {}

  /**
   * Stores conversations in multi-row upserts in call-record order (concurrent writers lock in one order). A
   * record whose conversation is stored already keeps every field it has and gains only those it lacked: a
   * re-delivered record neither doubles nor loses what was said.
   */
  async upsertMany(manager: EntityManager, rows: readonly ConversationRow[]): Promise<void> {
    const sorted = [...rows].sort((a, b) => compareIds(a.callRecordId, b.callRecordId));
    let chunk: unknown[][] = [];
    let chars = 0;
    const flush = async () => {
      if (chunk.length === 0) return;
      await this.dialect.upsertFillingNulls(manager, TABLE, COLUMNS, ['call_record_id'], chunk, FILLED);
      chunk = [];
      chars = 0;
    };
    for (const row of sorted) {
      const sealed = this.seal(row.conversation);
      const size = SEALED.reduce((n, [, enc]) => n + (sealed[enc]?.length ?? 0), 0);
      if (chars + size > MAX_STATEMENT_CHARS) await flush();
      chunk.push([
        row.callRecordId,
        row.taskId,
        row.contactId,
        this.dialect.dateParam(row.calledAt),
        ...SEALED.flatMap(([, enc, key]) => [sealed[enc], sealed[key]]),
      ]);
      chars += size;
    }
    await flush();
  }

  /** Deletes these contacts' conversations (a candidate's erasure), by the contact index; returns how many, per task. */
  async deleteOfContacts(manager: EntityManager, contactIds: readonly string[]): Promise<Map<string, number>> {
    const perTask = new Map<string, number>();
    for (let i = 0; i < contactIds.length; i += 500) {
      const chunk = contactIds.slice(i, i + 500);
      const list = chunk.map(() => '?').join(', ');
      const rows: { task_id: string | number; n: string | number }[] = await manager.query(
        `SELECT task_id, COUNT(*) AS n FROM ${TABLE} WHERE contact_id IN (${list}) GROUP BY task_id`,
        [...chunk],
      );
      if (rows.length === 0) continue;
      await manager.query(`DELETE FROM ${TABLE} WHERE contact_id IN (${list})`, [...chunk]);
      for (const r of rows) perTask.set(String(r.task_id), (perTask.get(String(r.task_id)) ?? 0) + Number(r.n));
    }
    return perTask;
  }

  /**
   * The oldest `limit` conversations of calls made before `before`, with their contact: the retention purge's next
   * batch, read from `idx_call_conversation_called_at` (called_at, contact_id, and the key) alone.
   */
  async expired(
    manager: EntityManager,
    before: Date,
    limit: number,
  ): Promise<{ callRecordId: string; contactId: string }[]> {
    const rows: { call_record_id: string | number; contact_id: string | number }[] = await manager.query(
      `SELECT call_record_id, contact_id FROM ${TABLE} WHERE called_at < ? ORDER BY called_at LIMIT ${Math.trunc(limit)}`,
      [this.dialect.dateParam(before)],
    );
    return rows.map((r) => ({ callRecordId: String(r.call_record_id), contactId: String(r.contact_id) }));
  }

  /** Deletes conversations by their call record's id (the key). */
  async deleteByRecordIds(manager: EntityManager, callRecordIds: readonly string[]): Promise<void> {
    if (callRecordIds.length === 0) return;
    await manager.query(`DELETE FROM ${TABLE} WHERE call_record_id IN (${callRecordIds.map(() => '?').join(', ')})`, [
      ...callRecordIds,
    ]);
  }

  /**
   * A contact of this task with every call it had and what was said, newest first, in one statement: the contact by
   * its primary key (and its task), its records by `idx_call_record_contact`, each one's conversation by its key.
   * Null when the contact is not this task's; `erased` when its number was erased (its calls are still listed).
   * Sorted here, not by the statement: the records are the inner side of the contact's LEFT JOIN, so an ORDER BY
   * would make MySQL/MariaDB copy the joined rows, sealed transcripts and all, into a temporary table to sort them
   * (EXPLAIN at 1M contacts: "Using temporary; Using filesort"); a contact has a few calls, sorted in microseconds.
   */
  async historyInTask(
    manager: EntityManager,
    taskId: string,
    contactId: string,
  ): Promise<{ erased: boolean; calls: CallHistoryRow[] } | null> {
    const rows: (SealedColumns & {
      phone_key_id: string;
      id: string | number | null;
      record_id: string | null;
      call_result: number | string;
      intension_result: number | string;
      duration_sec: number | string;
      fail_reason: string | null;
      called_at: Date | string;
    })[] = await manager.query(
      `SELECT c.phone_key_id, r.id, r.record_id, r.call_result, r.intension_result, r.duration_sec, r.fail_reason,
              r.called_at, ${FILLED.map((col) => `v.${col}`).join(', ')}
         FROM ai_visitor_list c
         LEFT JOIN ai_visitor_call_record r ON r.contact_id = c.id
         LEFT JOIN ${TABLE} v ON v.call_record_id = r.id
        WHERE c.id = ? AND c.task_id = ?`,
      [contactId, taskId],
    );
    if (rows.length === 0) return null;
    return {
      erased: isErasedSealed({ keyId: rows[0].phone_key_id }),
      calls: rows
        .filter((r) => r.record_id !== null)
        .map((r) => ({ id: String(r.id), at: parseDbDate(r.called_at), row: r }))
        .sort((a, b) => b.at.getTime() - a.at.getTime() || compareIds(b.id, a.id)) // newest first, then the latest record
        .map(({ at, row: r }) => ({
          recordId: r.record_id!,
          callResult: Number(r.call_result),
          intention: Number(r.intension_result),
          durationSec: Number(r.duration_sec),
          failReason: r.fail_reason,
          calledAt: at,
          ...this.openSealed(r),
        })),
    };
  }

  /**
   * The summary of each contact's last call (the latest `called_at`, then the latest record), null when that call
   * had none or the contact was never called: one read of the contacts' records, one of their summaries.
   */
  async lastSummaries(manager: EntityManager, contactIds: readonly string[]): Promise<Map<string, string | null>> {
    const summaries = new Map<string, string | null>();
    if (contactIds.length === 0) return summaries;
    const records: { id: string | number; contact_id: string | number; called_at: Date | string }[] =
      await manager.query(
        `SELECT id, contact_id, called_at FROM ai_visitor_call_record WHERE contact_id IN (${contactIds.map(() => '?').join(', ')})`,
        [...contactIds],
      );
    const last = new Map<string, { id: string; at: number }>();
    for (const r of records) {
      const contactId = String(r.contact_id);
      const at = parseDbDate(r.called_at).getTime();
      const seen = last.get(contactId);
      if (!seen || at > seen.at || (at === seen.at && compareIds(String(r.id), seen.id) > 0))
        last.set(contactId, { id: String(r.id), at });
    }
    if (last.size === 0) return summaries;
    const byRecord = new Map([...last].map(([contactId, { id }]) => [id, contactId]));
    const rows: { call_record_id: string | number; summary_enc: string | null; summary_key_id: string | null }[] =
      await manager.query(
        `SELECT call_record_id, summary_enc, summary_key_id FROM ${TABLE}
          WHERE call_record_id IN (${[...byRecord.keys()].map(() => '?').join(', ')}) AND summary_enc IS NOT NULL`,
        [...byRecord.keys()],
      );
    for (const r of rows) {
      const contactId = byRecord.get(String(r.call_record_id));
      if (contactId) summaries.set(contactId, this.vault.open({ enc: r.summary_enc!, keyId: r.summary_key_id! }));
    }
    return summaries;
  }

  private seal(conversation: Conversation): SealedColumns {
    const sealed = {} as SealedColumns;
    for (const [field, enc, key] of SEALED) {
      const value = conversation[field];
      const box = value ? this.vault.sealText(value) : null;
      sealed[enc] = box?.enc ?? null;
      sealed[key] = box?.keyId ?? null;
    }
    return sealed;
  }

  /** A row's sealed conversation columns (as `history` and the events' renderer read them), opened. */
  openSealed(row: Partial<SealedColumns>): Conversation {
    const conversation: Conversation = { summary: null, transcript: null, recordingUrl: null };
    for (const [field, enc, key] of SEALED) {
      const value = row[enc];
      const keyId = row[key];
      if (value && keyId) conversation[field] = this.vault.open({ enc: value, keyId });
    }
    return conversation;
  }
}

/** Ids are BIGINT, as decimal text: compared as numbers. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
