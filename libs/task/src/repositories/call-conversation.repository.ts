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
  /**
   * Its call record was inserted by this very transaction (not a re-delivery of one stored before): it has no stored
   * conversation to add to, so none is read. Left out (a re-delivered record), the stored one is read and filled.
   */
  fresh?: boolean;
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
/**
 * The conversation sealed as one value (migration ConversationSealedTogether): one cipher context a call, where
 * sealing each field on its own took three (the AES-GCM set-up was most of the CPU a conversation cost the ingest).
 * Its plaintext is the JSON array `[summary, transcript, recordingUrl]`, each a string or null.
 */
const TOGETHER = ['conversation_enc', 'conversation_key_id'] as const;
/**
 * The fields of the rows stored before it, each sealed on its own: a ciphertext column and the id of the key that
 * sealed it. Still read (a field here is taken before the same field of the value sealed together); never written
 * but as NULL, when a re-delivery rewrites the row together.
 */
const SEALED = [
  ['summary', 'summary_enc', 'summary_key_id'],
  ['transcript', 'transcript_enc', 'transcript_key_id'],
  ['recordingUrl', 'recording_url_enc', 'recording_url_key_id'],
] as const;
const APART = SEALED.flatMap(([, enc, key]) => [enc, key]);
const KEYS = ['call_record_id', 'task_id', 'contact_id', 'called_at'];
/** A new conversation's row. */
const COLUMNS = [...KEYS, ...TOGETHER];
/** A stored conversation rewritten with what a re-delivery added: sealed together, the per-field columns cleared. */
const REWRITTEN = [...TOGETHER, ...APART];
/** Every sealed column, as the readers select them (`v.` prefixed where joined) and openSealed opens them. */
export const SEALED_CONVERSATION_COLUMNS: readonly string[] = [...APART, ...TOGETHER];
/**
 * Sealed text bound per INSERT statement: a page of records with long transcripts (20,000 characters each, about
 * 107 KB sealed) in one statement would pass `max_allowed_packet` (16 MB by default on MySQL/MariaDB).
 */
const MAX_STATEMENT_CHARS = 4_000_000;

/** A conversation's sealed columns as read (null where not stored): opened by `openSealed`. */
export type SealedColumns = Record<
  (typeof SEALED)[number][1] | (typeof SEALED)[number][2] | (typeof TOGETHER)[number],
  string | null
>;

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
   * Stores conversations, each sealed as one value, in multi-row statements in call-record order (concurrent writers
   * lock in one order). A record whose conversation is stored already keeps every field it has and gains only those
   * it lacked: a re-delivered record neither doubles nor loses what was said. The stored conversations of
   * re-delivered records (rows not `fresh`) are read first (one statement per 500) and, when the re-delivery adds a
   * field, rewritten whole; the others are inserted (a row that appeared meanwhile keeps its value).
   */
  async upsertMany(manager: EntityManager, rows: readonly ConversationRow[]): Promise<void> {
    const sorted = [...rows].sort((a, b) => compareIds(a.callRecordId, b.callRecordId));
    const stored = await this.storedOf(
      manager,
      sorted.filter((r) => !r.fresh).map((r) => r.callRecordId),
    );
    const inserted: unknown[][] = [];
    const rewritten: unknown[][] = [];
    for (const row of sorted) {
      const before = stored.get(row.callRecordId);
      const conversation = before ? filled(before, row.conversation) : row.conversation;
      if (before && sameConversation(before, conversation)) continue; // nothing to add
      if (!conversation.summary && !conversation.transcript && !conversation.recordingUrl) continue;
      const box = this.vault.sealText(
        JSON.stringify([conversation.summary, conversation.transcript, conversation.recordingUrl]),
      );
      const values = [row.callRecordId, row.taskId, row.contactId, this.dialect.dateParam(row.calledAt)];
      if (before) rewritten.push([...values, box.enc, box.keyId, ...APART.map(() => null)]);
      else inserted.push([...values, box.enc, box.keyId]);
    }
    for (const chunk of bySealedSize(inserted))
      await this.dialect.upsertFillingNulls(manager, TABLE, COLUMNS, ['call_record_id'], chunk, TOGETHER);
    for (const chunk of bySealedSize(rewritten))
      await this.dialect.upsert(manager, TABLE, [...KEYS, ...REWRITTEN], ['call_record_id'], chunk, REWRITTEN);
  }

  /** The stored conversations of these call records (by their ids), opened. */
  private async storedOf(manager: EntityManager, callRecordIds: readonly string[]): Promise<Map<string, Conversation>> {
    const stored = new Map<string, Conversation>();
    for (let i = 0; i < callRecordIds.length; i += 500) {
      const chunk = callRecordIds.slice(i, i + 500);
      const rows: (SealedColumns & { call_record_id: string | number })[] = await manager.query(
        `SELECT call_record_id, ${SEALED_CONVERSATION_COLUMNS.join(', ')} FROM ${TABLE}
          WHERE call_record_id IN (${chunk.map(() => '?').join(', ')})`,
        [...chunk],
      );
      for (const r of rows) stored.set(String(r.call_record_id), this.openSealed(r));
    }
    return stored;
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
              r.called_at, ${SEALED_CONVERSATION_COLUMNS.map((col) => `v.${col}`).join(', ')}
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
    // A summary is sealed with the rest of its conversation: the whole value is opened for it (one AES-GCM pass
    // over a transcript of a few KB, microseconds; the row is read whole by InnoDB either way).
    const rows: (SealedColumns & { call_record_id: string | number })[] = await manager.query(
      `SELECT call_record_id, summary_enc, summary_key_id, conversation_enc, conversation_key_id FROM ${TABLE}
        WHERE call_record_id IN (${[...byRecord.keys()].map(() => '?').join(', ')})
          AND (summary_enc IS NOT NULL OR conversation_enc IS NOT NULL)`,
      [...byRecord.keys()],
    );
    for (const r of rows) {
      const contactId = byRecord.get(String(r.call_record_id));
      const summary = this.openSealed(r).summary;
      if (contactId && summary !== null) summaries.set(contactId, summary);
    }
    return summaries;
  }

  /**
   * A row's sealed conversation columns (as `history` and the events' renderer read them: every column of
   * SEALED_CONVERSATION_COLUMNS, or those it has), opened: the value sealed together, and for a row stored before
   * it the fields sealed on its own (each taken first: a stored value is never replaced).
   */
  openSealed(row: Partial<SealedColumns>): Conversation {
    const conversation: Conversation = { summary: null, transcript: null, recordingUrl: null };
    for (const [field, enc, key] of SEALED) {
      const value = row[enc];
      const keyId = row[key];
      if (value && keyId) conversation[field] = this.vault.open({ enc: value, keyId });
    }
    if (row.conversation_enc && row.conversation_key_id) {
      const together = parseTogether(this.vault.open({ enc: row.conversation_enc, keyId: row.conversation_key_id }));
      conversation.summary ??= together[0];
      conversation.transcript ??= together[1];
      conversation.recordingUrl ??= together[2];
    }
    return conversation;
  }
}

/** The plaintext of a conversation sealed together: `[summary, transcript, recordingUrl]`, each a string or null. */
function parseTogether(text: string): [string | null, string | null, string | null] {
  const value: unknown = JSON.parse(text);
  const field = (v: unknown) => (typeof v === 'string' ? v : null);
  if (!Array.isArray(value) || value.length !== 3)
    throw new Error('a sealed conversation is not [summary, transcript, recordingUrl]');
  return [field(value[0]), field(value[1]), field(value[2])];
}

/** `stored` with the fields it lacks taken from `given`: a stored value is never replaced. */
function filled(stored: Conversation, given: Conversation): Conversation {
  return {
    summary: stored.summary || given.summary || null,
    transcript: stored.transcript || given.transcript || null,
    recordingUrl: stored.recordingUrl || given.recordingUrl || null,
  };
}

function sameConversation(a: Conversation, b: Conversation): boolean {
  return a.summary === b.summary && a.transcript === b.transcript && a.recordingUrl === b.recordingUrl;
}

/** Rows (their sealed value at index 4) in chunks of at most MAX_STATEMENT_CHARS of sealed text each. */
function* bySealedSize(rows: readonly unknown[][]): Generator<unknown[][]> {
  let chunk: unknown[][] = [];
  let chars = 0;
  for (const row of rows) {
    const size = String(row[4]).length;
    if (chunk.length > 0 && chars + size > MAX_STATEMENT_CHARS) {
      yield chunk;
      chunk = [];
      chars = 0;
    }
    chunk.push(row);
    chars += size;
  }
  if (chunk.length > 0) yield chunk;
}

/** Ids are BIGINT, as decimal text: compared as numbers. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
