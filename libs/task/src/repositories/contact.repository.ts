import { Injectable } from '@nestjs/common';
import { Brackets, EntityManager, In } from 'typeorm';
import { ERASED_KEY_ID, maskPhone, SealedPhone } from '@app/core';
import { parseDbDate, selectEntities, SqlDialect } from '@app/database';
import { ContactEntity } from '../entities/contact.entity';
import { TaskEntity } from '../entities/task.entity';
import { AcceptedContact } from '../domain/contact-intake';
import { ContactAfterCall, RetryPolicy } from '../domain/call-outcome';
import { ContactPhones, StoredContact } from './contact-phones';
import { CallResult, ContactStatus, Intention, SkipReason } from '../domain/statuses';

export interface ContactListQuery {
  taskId: string;
  status?: ContactStatus;
  callResult?: CallResult;
  intention?: Intention;
  page: number;
  pageSize: number;
}

/** A contact as the export writes it: its results and its number opened, nothing else of the row. */
export interface ExportRow {
  id: string;
  candidateRef: string | null;
  name: string | null;
  /** Null once the candidate's data was erased. */
  phone: string | null;
  erased: boolean;
  status: ContactStatus;
  skipReason: string | null;
  attempts: number;
  callResult: CallResult;
  failReason: string | null;
  intensionResult: Intention;
  durationSec: number;
  calledAt: Date | null;
}

/** The columns of ExportRow as the drivers return them (ids and tinyints as strings or numbers, dates as Date or text). */
interface ExportColumns {
  id: string | number;
  candidate_ref: string | null;
  name: string | null;
  phone_enc: string;
  phone_key_id: string;
  status: number | string;
  skip_reason: string | null;
  attempts: number | string;
  call_result: number | string;
  fail_reason: string | null;
  intension_result: number | string;
  duration_sec: number | string;
  called_at: Date | string | null;
}

/** The columns the ingest reads of a contact a record names (callTargets). */
const CALL_TARGET = [
  'id',
  'taskId',
  'candidateRef',
  'name',
  'phoneHash',
  'phoneEnc',
  'phoneKeyId',
  'phoneMasked',
  'attempts',
  'callbackCount',
  'status',
  'callTaskId',
  'withdrawPending',
] as const satisfies readonly (keyof ContactEntity)[];

/** A contact a reported call may move on: what the ingest rules read of it. */
export type CallTarget = Pick<
  ContactEntity,
  | 'id'
  | 'taskId'
  | 'candidateRef'
  | 'name'
  | 'phoneHash'
  | 'phoneEnc'
  | 'phoneKeyId'
  | 'phoneMasked'
  | 'attempts'
  | 'callbackCount'
  | 'status'
  | 'callTaskId'
  | 'withdrawPending'
>;

/** What a reported call does to its contact (domain/call-outcome), by contact id. */
export type CallUpdates = Map<string, ContactAfterCall>;

/** A contact due for a call, its number as stored (sealed). */
export interface DueContact {
  id: string;
  phone: SealedPhone;
}

/** A contact a withdrawal names, as the withdrawal reads it (and its event tells it). */
export interface WithdrawalTarget {
  id: string;
  phoneHash: string;
  /** Null once the candidate's personal data was erased. */
  phoneMasked: string | null;
  candidateRef: string | null;
  status: ContactStatus;
  skipReason: string | null;
  withdrawPending: boolean;
  attempts: number;
  callResult: CallResult;
  intensionResult: Intention;
}

/** A contact to store; `skipReason` set stores it as skipped (never called) with that reason. */
export interface NewContact extends AcceptedContact {
  skipReason?: string | null;
}

/** A contact to store whose number is already sealed (a follow-up's copy of its source's contact), never opened. */
export interface NewSealedContact {
  candidateRef: string | null;
  name: string | null;
  phone: SealedPhone;
  phoneMasked: string;
  skipReason?: string | null;
}

/** A contact of a task as a follow-up copies it: ids, its number sealed as stored, nothing opened. */
export interface FollowUpSource {
  id: string;
  candidateRef: string | null;
  name: string | null;
  phone: SealedPhone;
  phoneMasked: string;
}

/** Which contacts of a task a follow-up takes: each list given, the contact's value is one of it. */
export interface ContactMatch {
  callResult?: readonly CallResult[];
  intention?: readonly Intention[];
  skipReason?: readonly string[];
}

const CONTACT_COLUMNS = [
  'task_id',
  'candidate_ref',
  'name',
  'phone_hash',
  'phone_enc',
  'phone_key_id',
  'phone_masked',
  'status',
  'skip_reason',
  'attempts',
  'call_result',
  'intension_result',
  'duration_sec',
];
/** The fail reason of a contact a finished campaign never dialled. */
export const NOT_DIALLED = 'not_dialled';

/** Rows per IN (…) list of a set-based statement; keeps placeholders well under the server limit. */
const UPDATE_CHUNK = 1000;

/**
 * The contact list: each contact's place in its task's outreach (waiting, in a campaign, done, skipped) and its
 * last result. Phone numbers cross this boundary in clear (E.164) and are stored sealed (ContactPhones). Every
 * method takes the EntityManager it runs on first (a transaction's, or `TransactionRunner.autocommit`).
 */
@Injectable()
export class ContactRepository {
  constructor(
    private readonly dialect: SqlDialect,
    private readonly phones: ContactPhones,
  ) {}

  /** A number in clear sealed as a contact row stores it (its keyed hash and ciphertext). */
  seal(e164: string): SealedPhone {
    return this.phones.seal(e164);
  }

  /** Which of these numbers the task already holds (matched on their keyed hashes). */
  async existingPhones(manager: EntityManager, taskId: string, phones: readonly string[]): Promise<Set<string>> {
    const byHash = new Map(phones.map((phone) => [this.phones.hash(phone), phone]));
    const hashes = [...byHash.keys()];
    const found = new Set<string>();
    for (let i = 0; i < hashes.length; i += UPDATE_CHUNK) {
      const rows = await manager.getRepository(ContactEntity).find({
        select: { phoneHash: true },
        where: { taskId, phoneHash: In(hashes.slice(i, i + UPDATE_CHUNK)) },
      });
      rows.forEach((r) => found.add(byHash.get(r.phoneHash)!));
    }
    return found;
  }

  async insertMany(manager: EntityManager, taskId: string, contacts: readonly NewContact[]): Promise<void> {
    await this.insertSealed(
      manager,
      taskId,
      contacts.map((c) => ({ ...c, phone: this.phones.seal(c.phone), phoneMasked: maskPhone(c.phone) })),
    );
  }

  /** Stores contacts whose numbers are sealed already, in multi-row statements (the dialect's chunks). */
  async insertSealed(manager: EntityManager, taskId: string, contacts: readonly NewSealedContact[]): Promise<void> {
    const rows = contacts.map((c) => [
      taskId,
      c.candidateRef,
      c.name,
      c.phone.hash,
      c.phone.enc,
      c.phone.keyId,
      c.phoneMasked,
      c.skipReason ? ContactStatus.Skipped : ContactStatus.Waiting,
      c.skipReason ?? null,
      0,
      0,
      0,
      0,
    ]);
    await this.dialect.insertIgnore(manager, 'ai_visitor_list', CONTACT_COLUMNS, rows);
  }

  /**
   * The next `limit` contacts of the task after id `afterId` that match (keyset paging, through the task's
   * contacts by id), their numbers as stored: what a follow-up copies, page by page. An erased candidate is never
   * copied: nothing of them is left to call (their number is a do-not-call entry).
   */
  async matchingPageAfter(
    manager: EntityManager,
    taskId: string,
    match: ContactMatch,
    afterId: string,
    limit: number,
  ): Promise<FollowUpSource[]> {
    const where = ['task_id = ?', 'id > ?', 'phone_key_id <> ?'];
    const params: unknown[] = [taskId, afterId, ERASED_KEY_ID];
    const among = (column: string, values: readonly unknown[] | undefined) => {
      if (!values?.length) return;
      where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
      params.push(...values);
    };
    among('call_result', match.callResult);
    among('intension_result', match.intention);
    among('skip_reason', match.skipReason);
    const rows: {
      id: string | number;
      candidate_ref: string | null;
      name: string | null;
      phone_hash: string;
      phone_enc: string;
      phone_key_id: string;
      phone_masked: string | null;
    }[] = await manager.query(
      `SELECT id, candidate_ref, name, phone_hash, phone_enc, phone_key_id, phone_masked FROM ai_visitor_list ` +
        `WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${Math.trunc(limit)}`,
      params,
    );
    return rows.map((r) => ({
      id: String(r.id),
      candidateRef: r.candidate_ref,
      name: r.name,
      phone: { hash: r.phone_hash, enc: r.phone_enc, keyId: r.phone_key_id },
      // Rows from before the masked column have none: masked from the opened number, in memory only.
      phoneMasked: r.phone_masked ?? maskPhone(this.phones.open({ phoneEnc: r.phone_enc, phoneKeyId: r.phone_key_id })),
    }));
  }

  /**
   * Contacts due for a call now, oldest first: the next campaign's batch. Their numbers stay sealed (screening
   * and the firm registry work on the hash and ciphertext as stored); `campaign_add` opens them later.
   */
  async dueWaiting(manager: EntityManager, taskId: string, now: Date, limit: number): Promise<DueContact[]> {
    const rows = await manager
      .getRepository(ContactEntity)
      .createQueryBuilder('c')
      .select('c.id', 'id')
      .addSelect('c.phone_hash', 'hash')
      .addSelect('c.phone_enc', 'enc')
      .addSelect('c.phone_key_id', 'keyId')
      .where('c.task_id = :taskId AND c.status = :waiting', { taskId, waiting: ContactStatus.Waiting })
      .andWhere(
        new Brackets((qb) => qb.where('c.next_attempt_at IS NULL').orWhere('c.next_attempt_at <= :now', { now })),
      )
      .orderBy('c.id', 'ASC')
      .limit(limit)
      .getRawMany<{ id: string | number; hash: string; enc: string; keyId: string }>();
    return rows.map((r) => ({ id: String(r.id), phone: { hash: r.hash, enc: r.enc, keyId: r.keyId } }));
  }

  async skip(manager: EntityManager, ids: readonly string[], reason: string): Promise<void> {
    for (let i = 0; i < ids.length; i += UPDATE_CHUNK) {
      await manager
        .getRepository(ContactEntity)
        .update(
          { id: In(ids.slice(i, i + UPDATE_CHUNK)), status: ContactStatus.Waiting },
          { status: ContactStatus.Skipped, skipReason: reason },
        );
    }
  }

  async assignToCallTask(manager: EntityManager, ids: readonly string[], callTaskId: string): Promise<void> {
    for (let i = 0; i < ids.length; i += UPDATE_CHUNK) {
      await manager
        .getRepository(ContactEntity)
        .update(
          { id: In(ids.slice(i, i + UPDATE_CHUNK)), status: ContactStatus.Waiting },
          { status: ContactStatus.InCampaign, callTaskId },
        );
    }
  }

  /**
   * The batch of a call task, in the order it was sent (so a retried `campaign_add` carries the same payload). A
   * contact erased after the batch was claimed is left out: its number is gone, and it must not be dialled (a
   * campaign the platform already has may still call it: see docs/operations.md, "Data rights").
   */
  async findByCallTask(
    manager: EntityManager,
    callTaskId: string,
  ): Promise<{ id: string; phone: string; name: string | null }[]> {
    const rows = await manager.getRepository(ContactEntity).find({
      select: { id: true, phoneEnc: true, phoneKeyId: true, name: true },
      where: { callTaskId },
      order: { id: 'ASC' },
    });
    return rows
      .filter((c) => !this.phones.isErased(c))
      .map((c) => ({ id: String(c.id), phone: this.phones.open(c), name: c.name }));
  }

  /**
   * Contacts a finished campaign never reported: the platform had them and did not dial them, so each spends
   * an attempt (`failReason` `not_dialled`) and waits for the retry gap while attempts remain, else is done. A
   * number the platform never dials therefore ends after `maxAttempts` campaigns instead of reopening one every
   * pass. An earlier connected result (an "inconvenient" callback not dialled) is kept.
   * The assignments are ordered so that MySQL (which reads a column assigned earlier in the same SET as its
   * new value) and SQLite (old values) compute the same: `attempts` is assigned last.
   */
  async settleUnreported(manager: EntityManager, callTaskId: string, policy: RetryPolicy, now: Date): Promise<number> {
    const retry = `attempts + 1 < ${Math.trunc(policy.maxAttempts)}`;
    const nextAttemptAt = this.dialect.dateParam(new Date(now.getTime() + policy.retryGapMinutes * 60_000));
    const result: unknown = await manager.query(
      `UPDATE ai_visitor_list SET ` +
        `status = CASE WHEN ${retry} THEN ${ContactStatus.Waiting} ELSE ${ContactStatus.Done} END, ` +
        `next_attempt_at = CASE WHEN ${retry} THEN ? ELSE NULL END, ` +
        `call_task_id = CASE WHEN ${retry} THEN NULL ELSE call_task_id END, ` +
        `fail_reason = CASE WHEN call_result = ${CallResult.Connected} THEN fail_reason ELSE '${NOT_DIALLED}' END, ` +
        `call_result = CASE WHEN call_result = ${CallResult.Connected} THEN call_result ELSE ${CallResult.Failed} END, ` +
        `synced_at = ?, attempts = attempts + 1 ` +
        `WHERE call_task_id = ? AND status = ${ContactStatus.InCampaign}`,
      [nextAttemptAt, this.dialect.dateParam(now), callTaskId],
    );
    return affectedRows(result);
  }

  /**
   * A cancelled task's contacts that will not be called any more: those waiting, and those of `callTaskId` (a
   * campaign that never existed remotely, or one read to its end). One that was called before is done (its last
   * result stays); one never called is skipped with reason `cancelled`.
   */
  async closeForCancel(manager: EntityManager, taskId: string, callTaskId: string | null): Promise<number> {
    const which =
      callTaskId === null
        ? `status = ${ContactStatus.Waiting}`
        : `(status = ${ContactStatus.Waiting} OR (status = ${ContactStatus.InCampaign} AND call_task_id = ?))`;
    const result: unknown = await manager.query(
      `UPDATE ai_visitor_list SET ` +
        `skip_reason = CASE WHEN attempts > 0 THEN skip_reason ELSE 'cancelled' END, ` +
        `status = CASE WHEN attempts > 0 THEN ${ContactStatus.Done} ELSE ${ContactStatus.Skipped} END, ` +
        `next_attempt_at = NULL WHERE task_id = ? AND ${which}`,
      callTaskId === null ? [taskId] : [taskId, callTaskId],
    );
    return affectedRows(result);
  }

  /** A call task given up before its campaign existed (refused): its contacts wait again, no attempt spent. */
  async releaseFromCallTask(manager: EntityManager, callTaskId: string): Promise<number> {
    const result = await manager
      .getRepository(ContactEntity)
      .update({ callTaskId, status: ContactStatus.InCampaign }, { status: ContactStatus.Waiting, callTaskId: null });
    return result.affected ?? 0;
  }

  /**
   * Whether a contact of this call task still waits for its result from the campaign (status 2): none left means
   * the platform has reported on every contact it was given, so the campaign has ended (through its index).
   */
  async anyAwaitingResult(manager: EntityManager, callTaskId: string): Promise<boolean> {
    return (await this.awaitingResult(manager, [callTaskId])).size > 0;
  }

  /**
   * Which of these call tasks still have a contact waiting for its result: one statement, one probe of the
   * (call_task_id, status) index each, however many contacts they hold. A scalar subquery with LIMIT 1, not
   * EXISTS: MariaDB turns an EXISTS into a semi-join that reads every contact of the call task in that status
   * first (most of a campaign's, early on: ~1,000 rows a push half-way through a campaign of 2,000).
   */
  async awaitingResult(manager: EntityManager, callTaskIds: readonly string[]): Promise<Set<string>> {
    if (callTaskIds.length === 0) return new Set();
    const rows: { id: string | number }[] = await manager.query(
      `SELECT ct.id FROM ai_visitor_call_task ct WHERE ct.id IN (${callTaskIds.map(() => '?').join(', ')})
          AND (SELECT 1 FROM ai_visitor_list l
                WHERE l.call_task_id = ct.id AND l.status = ${ContactStatus.InCampaign} LIMIT 1) IS NOT NULL`,
      [...callTaskIds],
    );
    return new Set(rows.map((r) => String(r.id)));
  }

  /** The earliest moment a waiting contact of the task is due, and whether it is an "inconvenient" callback. */
  async nextDue(manager: EntityManager, taskId: string): Promise<{ at: Date | null; callback: boolean } | null> {
    // NULL (due at once) sorts first in ascending order on both MySQL and SQLite.
    const row = await manager.getRepository(ContactEntity).findOne({
      select: { id: true, nextAttemptAt: true, callbackCount: true },
      where: { taskId, status: ContactStatus.Waiting },
      order: { nextAttemptAt: 'ASC' },
    });
    return row ? { at: row.nextAttemptAt, callback: row.callbackCount > 0 } : null;
  }

  async countPending(manager: EntityManager, taskId: string): Promise<{ waiting: number; inCampaign: number }> {
    const rows = await manager
      .getRepository(ContactEntity)
      .createQueryBuilder('c')
      .select('c.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .where('c.task_id = :taskId AND c.status IN (:...statuses)', {
        taskId,
        statuses: [ContactStatus.Waiting, ContactStatus.InCampaign],
      })
      .groupBy('c.status')
      .getRawMany<{ status: number | string; n: number | string }>();
    const count = (s: ContactStatus) => Number(rows.find((r) => (Number(r.status) as ContactStatus) === s)?.n ?? 0);
    return { waiting: count(ContactStatus.Waiting), inCampaign: count(ContactStatus.InCampaign) };
  }

  // --- a task edited (EditTask): one set-based statement each, whatever the number of contacts ---------------

  /**
   * A lower `maxAttempts`: contacts waiting for a retry that already had that many calls are done (not called
   * again); their results stay. A callback promised to an "inconvenient" candidate (last call connected) is not a
   * retry and stays. Through the (task_id, status, …) index: the task's waiting contacts only.
   */
  async endRetriesBeyond(manager: EntityManager, taskId: string, maxAttempts: number): Promise<number> {
    const result: unknown = await manager.query(
      `UPDATE ai_visitor_list SET status = ${ContactStatus.Done}, next_attempt_at = NULL ` +
        `WHERE task_id = ? AND status = ${ContactStatus.Waiting} AND attempts >= ? AND call_result <> ${CallResult.Connected}`,
      [taskId, Math.trunc(maxAttempts)],
    );
    return affectedRows(result);
  }

  /**
   * A new retry gap: contacts waiting for a retry are due at their last call plus the new gap (a contact a finished
   * campaign never dialled, `not_dialled`, at the time it was settled plus the gap, as the sync schedules it).
   */
  async moveRetries(manager: EntityManager, taskId: string, retryGapMinutes: number): Promise<number> {
    const base = `CASE WHEN fail_reason = '${NOT_DIALLED}' OR called_at IS NULL THEN COALESCE(synced_at, called_at) ELSE called_at END`;
    const result: unknown = await manager.query(
      `UPDATE ai_visitor_list SET next_attempt_at = ${this.dialect.plusMinutes(base, retryGapMinutes)} ` +
        `WHERE task_id = ? AND status = ${ContactStatus.Waiting} AND call_result = ${CallResult.Failed}`,
      [taskId],
    );
    return affectedRows(result);
  }

  // --- withdrawals (WithdrawContacts; the sync completes the ones a campaign held) ---------------------------

  /** The task's contacts among these ids, or these numbers' keyed hashes, as a withdrawal reads them. */
  async withdrawalTargets(
    manager: EntityManager,
    taskId: string,
    by: { ids: readonly string[] } | { hashes: readonly string[] },
  ): Promise<WithdrawalTarget[]> {
    const keys = 'ids' in by ? by.ids : by.hashes;
    const column = 'ids' in by ? 'id' : 'phone_hash';
    const out: WithdrawalTarget[] = [];
    for (let i = 0; i < keys.length; i += UPDATE_CHUNK) {
      const chunk = keys.slice(i, i + UPDATE_CHUNK);
      const rows: WithdrawalColumns[] = await manager.query(
        `SELECT ${WITHDRAWAL_COLUMNS} FROM ai_visitor_list WHERE task_id = ? AND ${column} IN (${chunk.map(() => '?').join(', ')})`,
        [taskId, ...chunk],
      );
      out.push(...rows.map((r) => toWithdrawalTarget(r, this.phones)));
    }
    return out;
  }

  /**
   * The contacts of this call task withdrawn while it held them (`withdraw_pending`), still in it (no result yet)
   * or among `ids` (their results just stored); through the call task's index.
   */
  async pendingWithdrawals(
    manager: EntityManager,
    callTaskId: string,
    ids?: readonly string[],
  ): Promise<WithdrawalTarget[]> {
    const which = ids ? `id IN (${ids.map(() => '?').join(', ')})` : `status = ${ContactStatus.InCampaign}`;
    const rows: WithdrawalColumns[] = await manager.query(
      `SELECT ${WITHDRAWAL_COLUMNS} FROM ai_visitor_list WHERE call_task_id = ? AND withdraw_pending = 1 AND ${which}`,
      [callTaskId, ...(ids ?? [])],
    );
    return rows.map((r) => toWithdrawalTarget(r, this.phones));
  }

  /**
   * Makes these contacts skipped `withdrawn` (never called again; the result they have stays): `now`, those
   * waiting or done (a contact a campaign holds is not touched); `pending`, those marked `withdraw_pending` (the
   * campaign that held them is done with them). One statement per chunk.
   */
  async withdraw(manager: EntityManager, ids: readonly string[], which: 'now' | 'pending'): Promise<number> {
    const from =
      which === 'pending' ? 'withdraw_pending = 1' : `status IN (${ContactStatus.Waiting}, ${ContactStatus.Done})`;
    let changed = 0;
    for (let i = 0; i < ids.length; i += UPDATE_CHUNK) {
      const chunk = ids.slice(i, i + UPDATE_CHUNK);
      changed += affectedRows(
        await manager.query(
          `UPDATE ai_visitor_list SET status = ${ContactStatus.Skipped}, skip_reason = '${SkipReason.Withdrawn}', ` +
            `next_attempt_at = NULL, withdraw_pending = 0 WHERE id IN (${chunk.map(() => '?').join(', ')}) AND ${from}`,
          chunk,
        ),
      );
    }
    return changed;
  }

  /** Records the intent to withdraw these contacts, which a running campaign holds, once it is done with them. */
  async markWithdrawPending(manager: EntityManager, ids: readonly string[]): Promise<number> {
    let changed = 0;
    for (let i = 0; i < ids.length; i += UPDATE_CHUNK) {
      const chunk = ids.slice(i, i + UPDATE_CHUNK);
      changed += affectedRows(
        await manager.query(
          `UPDATE ai_visitor_list SET withdraw_pending = 1 WHERE id IN (${chunk.map(() => '?').join(', ')}) ` +
            `AND status = ${ContactStatus.InCampaign}`,
          chunk,
        ),
      );
    }
    return changed;
  }

  /**
   * The next `limit` contacts of the task after id `afterId`, as the export writes them (keyset paging: constant
   * cost per page however deep). Plain SQL with only the columns the export writes: at 100,000 contacts,
   * hydrating every column into entities and copying each without its sealed columns cost more than the query.
   */
  async exportPageAfter(
    manager: EntityManager,
    taskId: string,
    afterId: string,
    filter: { status?: ContactStatus; callResult?: CallResult; intention?: Intention },
    limit: number,
  ): Promise<ExportRow[]> {
    const where = ['task_id = ?', 'id > ?'];
    const params: unknown[] = [taskId, afterId];
    if (filter.status !== undefined) {
      where.push('status = ?');
      params.push(filter.status);
    }
    if (filter.callResult !== undefined) {
      where.push('call_result = ?');
      params.push(filter.callResult);
    }
    if (filter.intention !== undefined) {
      where.push('intension_result = ?');
      params.push(filter.intention);
    }
    const rows: ExportColumns[] = await manager.query(
      `SELECT id, candidate_ref, name, phone_enc, phone_key_id, status, skip_reason, attempts, call_result, fail_reason, intension_result,
              duration_sec, called_at
         FROM ai_visitor_list WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${Math.trunc(limit)}`,
      params,
    );
    return rows.map((r) => ({
      id: String(r.id),
      candidateRef: r.candidate_ref,
      name: r.name,
      phone: this.phones.openUnlessErased({ phoneEnc: r.phone_enc, phoneKeyId: r.phone_key_id }),
      erased: this.phones.isErased({ phoneKeyId: r.phone_key_id }),
      status: Number(r.status),
      skipReason: r.skip_reason,
      attempts: Number(r.attempts),
      callResult: Number(r.call_result),
      failReason: r.fail_reason,
      intensionResult: Number(r.intension_result),
      durationSec: Number(r.duration_sec),
      calledAt: r.called_at === null ? null : parseDbDate(r.called_at),
    }));
  }

  async list(manager: EntityManager, query: ContactListQuery): Promise<{ items: StoredContact[]; total: number }> {
    const [items, total] = await manager.getRepository(ContactEntity).findAndCount({
      where: {
        taskId: query.taskId,
        ...(query.status !== undefined ? { status: query.status } : {}),
        ...(query.callResult !== undefined ? { callResult: query.callResult } : {}),
        ...(query.intention !== undefined ? { intensionResult: query.intention } : {}),
      },
      order: { id: 'ASC' },
      skip: (query.page - 1) * query.pageSize,
      take: query.pageSize,
    });
    return { items: items.map((row) => this.phones.reveal(row)), total };
  }

  /**
   * The firm's contacts with these numbers (keyed hashes), in every task of the firm: the firm's tasks
   * (`idx_task_account`) joined to the list's unique (task_id, phone_hash) key, one index probe per task and hash,
   * so no index of its own is needed. In contact id order.
   */
  async findInFirmByHashes(
    manager: EntityManager,
    firmId: string,
    hashes: readonly string[],
  ): Promise<{ id: string; taskId: string; phoneHash: string }[]> {
    if (hashes.length === 0) return [];
    const rows: { id: string | number; task_id: string | number; phone_hash: string }[] = await manager.query(
      `SELECT c.id, c.task_id, c.phone_hash FROM ai_visitor_task t JOIN ai_visitor_list c ON c.task_id = t.id ` +
        `WHERE t.firm_id = ? AND c.phone_hash IN (${hashes.map(() => '?').join(', ')}) ORDER BY c.id`,
      [firmId, ...hashes],
    );
    return rows.map((r) => ({ id: String(r.id), taskId: String(r.task_id), phoneHash: r.phone_hash }));
  }

  /**
   * A candidate's erasure of these contacts: name, candidate reference, masked number and ciphertext replaced by
   * the erased marker (the keyed hash stays: the list's unique key, and the firm's do-not-call entry matches it).
   * A contact still waiting is never called again: one called before is done (its last result stays), one never
   * called is skipped `do_not_call`, as the next campaign's claim would skip it. Results, attempts and statuses of
   * the others are left as they are, so the statistics do not change. `status` is assigned last (MySQL reads a
   * column assigned earlier in the same SET as its new value). Returns the contacts changed.
   */
  async erase(manager: EntityManager, ids: readonly string[]): Promise<number> {
    let changed = 0;
    for (let i = 0; i < ids.length; i += UPDATE_CHUNK) {
      const chunk = ids.slice(i, i + UPDATE_CHUNK);
      const result: unknown = await manager.query(
        `UPDATE ai_visitor_list SET name = NULL, candidate_ref = NULL, phone_masked = NULL, phone_enc = '', phone_key_id = ?, ` +
          `skip_reason = CASE WHEN status = ${ContactStatus.Waiting} AND attempts = 0 THEN 'do_not_call' ELSE skip_reason END, ` +
          `next_attempt_at = CASE WHEN status = ${ContactStatus.Waiting} THEN NULL ELSE next_attempt_at END, ` +
          `status = CASE WHEN status = ${ContactStatus.Waiting} THEN ` +
          `(CASE WHEN attempts > 0 THEN ${ContactStatus.Done} ELSE ${ContactStatus.Skipped} END) ELSE status END ` +
          `WHERE id IN (${chunk.map(() => '?').join(', ')})`,
        [ERASED_KEY_ID, ...chunk],
      );
      changed += affectedRows(result);
    }
    return changed;
  }

  /** Whether this contact is one of this task's (a read by primary key). */
  async inTask(manager: EntityManager, taskId: string, contactId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query('SELECT 1 AS found FROM ai_visitor_list WHERE id = ? AND task_id = ?', [
      contactId,
      taskId,
    ]);
    return rows.length > 0;
  }

  /** A contact's number as stored, if the contact exists and its task is the firm's (a webhook's full number). */
  sealedPhoneOf(
    manager: EntityManager,
    firmId: string,
    contactId: string,
  ): Promise<Pick<ContactEntity, 'phoneEnc' | 'phoneKeyId'> | null> {
    return manager
      .getRepository(ContactEntity)
      .createQueryBuilder('c')
      .select(['c.phoneEnc', 'c.phoneKeyId'])
      .innerJoin(TaskEntity, 't', 't.id = c.taskId')
      .where('c.id = :contactId AND t.firmId = :firmId', { contactId, firmId })
      .getOne();
  }

  /** The contacts of this task among `ids`, as the ingest rules read them (a ref from the platform is never trusted blindly). */
  /**
   * The contacts with these ids, whichever task holds them (by primary key, one statement for a page of several
   * tasks): the caller keeps those of the task the record names, never trusting a `ref` blindly.
   */
  callTargets(manager: EntityManager, ids: readonly string[]): Promise<CallTarget[]> {
    if (ids.length === 0) return Promise.resolve([]);
    // One raw statement, hydrated as find() would (selectEntities): a push reads its contacts through here.
    return selectEntities(manager, ContactEntity, `WHERE id IN (${ids.map(() => '?').join(', ')})`, ids, CALL_TARGET);
  }

  /** Moves the contacts of a page on: one statement per 500 contacts, each contact found once by its id. */
  async applyCalls(manager: EntityManager, updates: CallUpdates, now: Date): Promise<void> {
    const rows = [...updates.entries()]
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([id, u]) => [
        Number(id),
        u.status,
        u.attempts,
        u.callbackCount,
        u.callResult,
        u.failReason,
        u.intensionResult,
        u.durationSec,
        this.dialect.dateParam(u.calledAt),
        u.recordId,
        this.dialect.dateParam(u.nextAttemptAt),
        this.dialect.dateParam(now),
        u.requeued ? 1 : 0,
      ]);
    const columns = [
      'status',
      'attempts',
      'callback_count',
      'call_result',
      'fail_reason',
      'intension_result',
      'duration_sec',
      'called_at',
      'record_id',
      'next_attempt_at',
      'synced_at',
    ];
    await this.dialect.updateRows(manager, 'ai_visitor_list', 'id', [...columns, 'requeued'], rows, {
      ...Object.fromEntries(columns.map((c) => [c, `v.${c}`])),
      call_task_id: 'CASE WHEN v.requeued = 1 THEN NULL ELSE t.call_task_id END',
    });
  }
}

const WITHDRAWAL_COLUMNS =
  'id, phone_hash, phone_masked, phone_enc, phone_key_id, candidate_ref, status, skip_reason, withdraw_pending, attempts, call_result, intension_result';

interface WithdrawalColumns {
  id: string | number;
  phone_hash: string;
  phone_masked: string | null;
  phone_enc: string;
  phone_key_id: string;
  candidate_ref: string | null;
  status: number | string;
  skip_reason: string | null;
  withdraw_pending: number | string;
  attempts: number | string;
  call_result: number | string;
  intension_result: number | string;
}

function toWithdrawalTarget(r: WithdrawalColumns, phones: ContactPhones): WithdrawalTarget {
  return {
    id: String(r.id),
    phoneHash: r.phone_hash,
    // Masked when stored; a contact stored before the masked number was kept has it opened and masked here; an
    // erased contact has none.
    phoneMasked:
      r.phone_key_id === ERASED_KEY_ID
        ? null
        : (r.phone_masked ?? maskPhone(phones.open({ phoneEnc: r.phone_enc, phoneKeyId: r.phone_key_id }))),
    candidateRef: r.candidate_ref,
    status: Number(r.status),
    skipReason: r.skip_reason,
    withdrawPending: Number(r.withdraw_pending) === 1,
    attempts: Number(r.attempts),
    callResult: Number(r.call_result),
    intensionResult: Number(r.intension_result),
  };
}

/** Rows changed by a raw UPDATE: mysql2 answers a result header, better-sqlite3 (through TypeORM) `[rows, changes]`. */
function affectedRows(result: unknown): number {
  if (Array.isArray(result)) return Number(result[1] ?? 0);
  return Number((result as { affectedRows?: number })?.affectedRows ?? 0);
}
