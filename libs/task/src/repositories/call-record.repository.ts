import { ERASED_KEY_ID } from '@app/core';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { parseDbDate, SqlDialect } from '@app/database';
import { Intention } from '../domain/statuses';
import { SEALED_CONVERSATION_COLUMNS, SealedColumns } from './call-conversation.repository';

const RECORD_COLUMNS = [
  'record_id',
  'task_id',
  'call_task_id',
  'contact_id',
  'call_result',
  'fail_reason',
  'intension_result',
  'duration_sec',
  'called_at',
];

/** One call record to store: the remote record, its task, call task and contact. */
export interface CallRecordRow {
  recordId: string;
  taskId: string;
  callTaskId: string;
  contactId: string;
  callResult: number;
  failReason: string | null;
  intention: number;
  durationSec: number;
  calledAt: Date;
}

/** A stored call record as its conversation is keyed. */
export interface StoredCallRecord {
  id: string;
  recordId: string;
  taskId: string;
  contactId: string;
  calledAt: Date;
}

/** A stored call with its contact, as the `contact.called` event shows it (read when the event is rendered). */
export interface CalledRow extends SealedColumns {
  // The SealedColumns: the call's conversation as stored, sealed (CallConversationRepository.openSealed); NULL when none.
  record_id: string;
  task_id: string | number;
  contact_id: string | number;
  call_result: number;
  fail_reason: string | null;
  intension_result: Intention;
  duration_sec: number;
  called_at: Date | string;
  candidate_ref: string | null;
  name: string | null;
  phone_masked: string | null;
  phone_enc: string;
  phone_key_id: string;
}

/** The call history: every call the platform reported, stored once by its remote record id. */
@Injectable()
export class CallRecordRepository {
  constructor(private readonly dialect: SqlDialect) {}

  /** Which of these remote record ids are stored already. */
  async knownIds(manager: EntityManager, recordIds: readonly string[]): Promise<Set<string>> {
    if (recordIds.length === 0) return new Set();
    const rows: { record_id: string }[] = await manager.query(
      `SELECT record_id FROM ai_visitor_call_record WHERE record_id IN (${recordIds.map(() => '?').join(', ')})`,
      [...recordIds],
    );
    return new Set(rows.map((r) => r.record_id));
  }

  /**
   * Which of these remote record ids are stored, each with its stored conversation, sealed (every column null when
   * it has none; CallConversationRepository.openSealed opens it): one indexed read, the record's unique key joined
   * to the conversation's.
   */
  async storedWithConversation(
    manager: EntityManager,
    recordIds: readonly string[],
  ): Promise<Map<string, SealedColumns>> {
    if (recordIds.length === 0) return new Map();
    const rows: (SealedColumns & { record_id: string })[] = await manager.query(
      `SELECT r.record_id, ${SEALED_CONVERSATION_COLUMNS.map((c) => `v.${c}`).join(', ')}
           FROM ai_visitor_call_record r LEFT JOIN call_conversation v ON v.call_record_id = r.id
          WHERE r.record_id IN (${recordIds.map(() => '?').join(', ')})`,
      [...recordIds],
    );
    return new Map(rows.map((r) => [r.record_id, r]));
  }

  /**
   * One multi-row insert of records not stored (the caller read so under the task's lock, or was told so by the
   * replay check a moment before: a record stored meanwhile fails the statement, and the caller runs again), in
   * record-id order (so concurrent inserts take their locks in the same order). Gives each record's id, by its
   * remote id, from the same statement where the server can (RETURNING); else `undefined`.
   */
  async insertNew(manager: EntityManager, records: readonly CallRecordRow[]): Promise<Map<string, string> | undefined> {
    if (records.length === 0) return new Map();
    const rows = [...records]
      .sort((a, b) => a.recordId.localeCompare(b.recordId))
      .map((r) => [
        r.recordId,
        r.taskId,
        r.callTaskId,
        r.contactId,
        r.callResult,
        r.failReason,
        r.intention,
        r.durationSec,
        this.dialect.dateParam(r.calledAt),
      ]);
    const inserted = await this.dialect.insertReturning(manager, 'ai_visitor_call_record', RECORD_COLUMNS, rows, [
      'id',
      'record_id',
    ]);
    return inserted && new Map(inserted.map((r) => [String(r.record_id), String(r.id)]));
  }

  /**
   * The stored call records with these remote record ids, as their conversations are keyed: id, task, contact and
   * time as stored (a re-delivered record's `ref` is not trusted over them; the caller keeps those of the task it
   * ingests for). A record of an erased contact is left out: what an erased candidate said is never stored (a call
   * in progress at the erasure).
   */
  async storedOf(manager: EntityManager, recordIds: readonly string[]): Promise<StoredCallRecord[]> {
    if (recordIds.length === 0) return [];
    const rows: {
      id: string | number;
      record_id: string;
      task_id: string | number;
      contact_id: string | number;
      called_at: Date | string;
    }[] = await manager.query(
      `SELECT r.id, r.record_id, r.task_id, r.contact_id, r.called_at FROM ai_visitor_call_record r
         JOIN ai_visitor_list c ON c.id = r.contact_id
        WHERE r.record_id IN (${recordIds.map(() => '?').join(', ')}) AND c.phone_key_id <> ?`,
      [...recordIds, ERASED_KEY_ID],
    );
    return rows.map((r) => ({
      id: String(r.id),
      recordId: r.record_id,
      taskId: String(r.task_id),
      contactId: String(r.contact_id),
      calledAt: parseDbDate(r.called_at),
    }));
  }

  /** The platform's record ids of these stored records (by their ids), as their events carry them. */
  async remoteIds(manager: EntityManager, ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows: { record_id: string }[] = await manager.query(
      `SELECT record_id FROM ai_visitor_call_record WHERE id IN (${ids.map(() => '?').join(', ')})`,
      [...ids],
    );
    return rows.map((r) => r.record_id);
  }

  /** The stored calls with these remote record ids, each with its contact and its conversation, sealed (one query). */
  async calledWithContacts(manager: EntityManager, recordIds: readonly string[]): Promise<CalledRow[]> {
    if (recordIds.length === 0) return [];
    return manager.query(
      `SELECT r.record_id, r.task_id, r.contact_id, r.call_result, r.fail_reason, r.intension_result, r.duration_sec, r.called_at,
              c.candidate_ref, c.name, c.phone_masked, c.phone_enc, c.phone_key_id,
              ${SEALED_CONVERSATION_COLUMNS.map((c) => `v.${c}`).join(', ')}
         FROM ai_visitor_call_record r JOIN ai_visitor_list c ON c.id = r.contact_id
         LEFT JOIN call_conversation v ON v.call_record_id = r.id
        WHERE r.record_id IN (${recordIds.map(() => '?').join(', ')})`,
      [...recordIds],
    );
  }
}
