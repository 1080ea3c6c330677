import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, EntityManager, In, MoreThan, Repository } from 'typeorm';
import { failpoint, PhoneVault, SealedPhone } from '@app/core';
import { SqlDialect } from '@app/database';
import { ContactEntity } from '../entities/contact.entity';
import { AcceptedContact } from '../domain/contact-intake';
import { applyCall, ReportedCall, RetryPolicy } from '../domain/call-outcome';
import { CallResult, ContactStatus, Intention } from '../domain/statuses';

export interface ContactListQuery {
  taskId: string;
  status?: ContactStatus;
  callResult?: CallResult;
  intention?: Intention;
  page: number;
  pageSize: number;
}

export interface IncomingRecord extends ReportedCall {
  /** The contact id this service sent as `ref` to `campaign_add`. */
  ref: string;
}

export interface IngestOutcome {
  received: number;
  stored: number;
  requeued: number;
  /** Numbers whose candidate said "not considering": they go on the firm's do-not-call list (sealed as stored). */
  notConsidering: SealedPhone[];
  /** Numbers that proved wrong: invalid for the whole firm (sealed as stored). */
  wrongNumbers: SealedPhone[];
}

/** A contact as the rest of the service sees it: its number opened (mask it before showing it to people). */
export type StoredContact = Omit<ContactEntity, 'phoneHash' | 'phoneEnc' | 'phoneKeyId'> & { phone: string };

/** A contact due for a call, its number as stored (sealed). */
export interface DueContact {
  id: string;
  phone: SealedPhone;
}

/** A contact to store; `skipReason` set stores it as skipped (never called) with that reason. */
export interface NewContact extends AcceptedContact {
  skipReason?: string | null;
}

const CONTACT_COLUMNS = ['task_id', 'candidate_ref', 'name', 'phone_hash', 'phone_enc', 'phone_key_id', 'status', 'skip_reason', 'attempts', 'call_result', 'intension_result', 'duration_sec'];
const RECORD_COLUMNS = ['record_id', 'task_id', 'call_task_id', 'contact_id', 'call_result', 'fail_reason', 'intension_result', 'duration_sec', 'called_at'];
/** The fail reason of a contact a finished campaign never dialled. */
export const NOT_DIALLED = 'not_dialled';

/** Rows per IN (…) list of a set-based statement; keeps placeholders well under the server limit. */
const UPDATE_CHUNK = 1000;

/**
 * The contact list. Phone numbers cross this boundary in clear (E.164) and are stored sealed (PhoneVault):
 * written as keyed hash + ciphertext, looked up by hash, opened only when read.
 */
@Injectable()
export class ContactRepository {
  constructor(
    @InjectRepository(ContactEntity) private readonly contacts: Repository<ContactEntity>,
    private readonly dialect: SqlDialect,
    private readonly vault: PhoneVault,
  ) {}

  /** Which of these numbers the task already holds (matched on their keyed hashes). */
  async existingPhones(manager: EntityManager, taskId: string, phones: readonly string[]): Promise<Set<string>> {
    const byHash = new Map(phones.map((phone) => [this.vault.hash(phone), phone]));
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
    const rows = contacts.map((c) => {
      const sealed = this.vault.seal(c.phone);
      return [
        taskId, c.candidateRef, c.name, sealed.hash, sealed.enc, sealed.keyId,
        c.skipReason ? ContactStatus.Skipped : ContactStatus.Waiting, c.skipReason ?? null, 0, 0, 0, 0,
      ];
    });
    await this.dialect.insertIgnore(manager, 'ai_visitor_list', CONTACT_COLUMNS, rows);
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
      .andWhere(new Brackets((qb) => qb.where('c.next_attempt_at IS NULL').orWhere('c.next_attempt_at <= :now', { now })))
      .orderBy('c.id', 'ASC')
      .limit(limit)
      .getRawMany<{ id: string | number; hash: string; enc: string; keyId: string }>();
    return rows.map((r) => ({ id: String(r.id), phone: { hash: r.hash, enc: r.enc, keyId: r.keyId } }));
  }

  async skip(manager: EntityManager, ids: readonly string[], reason: string): Promise<void> {
    for (let i = 0; i < ids.length; i += UPDATE_CHUNK) {
      await manager
        .getRepository(ContactEntity)
        .update({ id: In(ids.slice(i, i + UPDATE_CHUNK)), status: ContactStatus.Waiting }, { status: ContactStatus.Skipped, skipReason: reason });
    }
  }

  async assignToCallTask(manager: EntityManager, ids: readonly string[], callTaskId: string): Promise<void> {
    for (let i = 0; i < ids.length; i += UPDATE_CHUNK) {
      await manager
        .getRepository(ContactEntity)
        .update({ id: In(ids.slice(i, i + UPDATE_CHUNK)), status: ContactStatus.Waiting }, { status: ContactStatus.InCampaign, callTaskId });
    }
  }

  /** The batch of a call task, in the order it was sent (so a retried `campaign_add` carries the same payload). */
  async findByCallTask(callTaskId: string, manager?: EntityManager): Promise<{ id: string; phone: string; name: string | null }[]> {
    const repo = manager ? manager.getRepository(ContactEntity) : this.contacts;
    const rows = await repo.find({
      select: { id: true, phoneEnc: true, phoneKeyId: true, name: true },
      where: { callTaskId },
      order: { id: 'ASC' },
    });
    return rows.map((c) => ({ id: String(c.id), phone: this.openPhone(c), name: c.name }));
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
    const result = await manager.query(
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
    const which = callTaskId === null
      ? `status = ${ContactStatus.Waiting}`
      : `(status = ${ContactStatus.Waiting} OR (status = ${ContactStatus.InCampaign} AND call_task_id = ?))`;
    const result = await manager.query(
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

  /** The earliest moment a waiting contact of the task is due, and whether it is an "inconvenient" callback. */
  async nextDue(taskId: string): Promise<{ at: Date | null; callback: boolean } | null> {
    // NULL (due at once) sorts first in ascending order on both MySQL and SQLite.
    const row = await this.contacts.findOne({
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
    const count = (s: ContactStatus) => Number(rows.find((r) => Number(r.status) === s)?.n ?? 0);
    return { waiting: count(ContactStatus.Waiting), inCampaign: count(ContactStatus.InCampaign) };
  }

  /** The next `limit` contacts after id `afterId` (keyset paging: constant cost per page however deep). */
  async pageAfter(
    taskId: string,
    afterId: string,
    filter: { callResult?: CallResult; intention?: Intention },
    limit: number,
  ): Promise<StoredContact[]> {
    const rows = await this.contacts.find({
      where: {
        taskId,
        id: MoreThan(afterId),
        ...(filter.callResult !== undefined ? { callResult: filter.callResult } : {}),
        ...(filter.intention !== undefined ? { intensionResult: filter.intention } : {}),
      },
      order: { id: 'ASC' },
      take: limit,
    });
    return rows.map((row) => this.reveal(row));
  }

  async list(query: ContactListQuery): Promise<{ items: StoredContact[]; total: number }> {
    const [items, total] = await this.contacts.findAndCount({
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
    return { items: items.map((row) => this.reveal(row)), total };
  }

  private openPhone(row: Pick<ContactEntity, 'phoneEnc' | 'phoneKeyId'>): string {
    return this.vault.open({ enc: row.phoneEnc, keyId: row.phoneKeyId });
  }

  /** The number as the row stores it, for the firm registry (same vault and keys: usable as it is). */
  private sealedPhone(row: Pick<ContactEntity, 'phoneHash' | 'phoneEnc' | 'phoneKeyId'>): SealedPhone {
    return { hash: row.phoneHash, enc: row.phoneEnc, keyId: row.phoneKeyId };
  }

  private reveal(row: ContactEntity): StoredContact {
    const { phoneHash: _hash, phoneEnc: _enc, phoneKeyId: _keyId, ...rest } = row;
    return { ...rest, phone: this.openPhone(row) };
  }

  /**
   * Stores a page of call records once each (by remote record id) and moves their contacts on, in a fixed
   * number of statements whatever the page size: one read of known record ids, one read of the contacts,
   * one multi-row insert, one joined update per 500 contacts. Runs under the task's lock.
   */
  async ingest(
    manager: EntityManager,
    taskId: string,
    callTaskId: string,
    records: readonly IncomingRecord[],
    policy: RetryPolicy,
    callbackAt: (calledAt: Date) => Date,
    now: Date,
  ): Promise<IngestOutcome> {
    const outcome: IngestOutcome = { received: records.length, stored: 0, requeued: 0, notConsidering: [], wrongNumbers: [] };
    const known = await this.knownRecordIds(manager, records.map((r) => r.recordId));
    const fresh = new Map<string, IncomingRecord>();
    for (const record of records) {
      if (!known.has(record.recordId) && /^\d+$/.test(record.ref)) fresh.set(record.recordId, record);
    }
    if (fresh.size === 0) return outcome;

    const contactIds = [...new Set([...fresh.values()].map((r) => r.ref))];
    const contacts = await manager.getRepository(ContactEntity).find({
      select: { id: true, phoneHash: true, phoneEnc: true, phoneKeyId: true, attempts: true, callbackCount: true, status: true, callTaskId: true },
      where: { taskId, id: In(contactIds) },
    });
    const byId = new Map(contacts.map((c) => [String(c.id), c]));

    const recordRows: unknown[][] = [];
    const updates = new Map<string, ReturnType<typeof applyCall>>();
    const ordered = [...fresh.values()].sort((a, b) => a.calledAt.getTime() - b.calledAt.getTime());
    for (const record of ordered) {
      const contact = byId.get(record.ref);
      if (!contact) continue; // not this task's contact: never trust a ref blindly
      recordRows.push([
        record.recordId, taskId, callTaskId, contact.id, record.callResult, record.failReason,
        record.callResult === CallResult.Connected ? record.intention : Intention.None,
        record.callResult === CallResult.Connected ? record.durationSec : 0, this.dialect.dateParam(record.calledAt),
      ]);
      // Only a contact still in this campaign moves on; a late duplicate for an older attempt is history only.
      if (contact.status === ContactStatus.InCampaign && String(contact.callTaskId) === String(callTaskId)) {
        const after = applyCall(contact, record, policy, callbackAt);
        updates.set(String(contact.id), after);
        contact.attempts = after.attempts;
        contact.callbackCount = after.callbackCount;
        contact.status = after.status;
        if (after.requeued) contact.callTaskId = null;
      }
    }
    for (const record of ordered) {
      const contact = byId.get(record.ref);
      if (!contact || record.callResult !== CallResult.Connected) continue;
      const sealed = this.sealedPhone(contact);
      if (record.intention === Intention.NotConsidering) outcome.notConsidering.push(sealed);
      if (record.intention === Intention.WrongNumber) outcome.wrongNumbers.push(sealed);
    }
    recordRows.sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    await this.dialect.insertIgnore(manager, 'ai_visitor_call_record', RECORD_COLUMNS, recordRows);
    failpoint('ingest.after-records');
    await this.applyUpdates(manager, updates, now);
    failpoint('ingest.after-contacts');
    outcome.stored = recordRows.length;
    outcome.requeued = [...updates.values()].filter((u) => u.requeued).length;
    return outcome;
  }

  private async knownRecordIds(manager: EntityManager, recordIds: readonly string[]): Promise<Set<string>> {
    if (recordIds.length === 0) return new Set();
    const rows: { record_id: string }[] = await manager.query(
      `SELECT record_id FROM ai_visitor_call_record WHERE record_id IN (${recordIds.map(() => '?').join(', ')})`,
      [...recordIds],
    );
    return new Set(rows.map((r) => r.record_id));
  }

  /** Moves the contacts of a page on: one statement per 500 contacts, each contact found once by its id. */
  private async applyUpdates(
    manager: EntityManager,
    updates: Map<string, ReturnType<typeof applyCall>>,
    now: Date,
  ): Promise<void> {
    const rows = [...updates.entries()]
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([id, u]) => [
        Number(id), u.status, u.attempts, u.callbackCount, u.callResult, u.failReason, u.intensionResult, u.durationSec,
        this.dialect.dateParam(u.calledAt), u.recordId, this.dialect.dateParam(u.nextAttemptAt), this.dialect.dateParam(now),
        u.requeued ? 1 : 0,
      ]);
    const columns = [
      'status', 'attempts', 'callback_count', 'call_result', 'fail_reason', 'intension_result', 'duration_sec', 'called_at',
      'record_id', 'next_attempt_at', 'synced_at',
    ];
    await this.dialect.updateRows(manager, 'ai_visitor_list', 'id', [...columns, 'requeued'], rows, {
      ...Object.fromEntries(columns.map((c) => [c, `v.${c}`])),
      call_task_id: 'CASE WHEN v.requeued = 1 THEN NULL ELSE t.call_task_id END',
    });
  }
}

/** Rows changed by a raw UPDATE: mysql2 answers a result header, better-sqlite3 (through TypeORM) `[rows, changes]`. */
function affectedRows(result: unknown): number {
  if (Array.isArray(result)) return Number(result[1] ?? 0);
  return Number((result as { affectedRows?: number })?.affectedRows ?? 0);
}
