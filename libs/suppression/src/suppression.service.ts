import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { erasedSealed, isErasedSealed, PhoneVault, SealedPhone } from '@app/core';
import { SqlDialect } from '@app/database';
import { FirmPhoneEntity } from './firm-phone.entity';
import { SUPPRESSION_SETTINGS, SuppressionSettings } from './suppression.settings';

/** Why a number must not be called now. */
export type SuppressionReason = 'do_not_call' | 'invalid' | 'cooling';

/** Why a number is on the do-not-call list: `not_considering`, `opted_out`, `requested`, or another caller's word. */
export type DoNotCallReason = string;

/** An entry of the do-not-call list, its number opened (mask it before showing it); null when it was erased. */
export interface DoNotCallEntry {
  phone: string | null;
  reason: string | null;
  since: Date | null;
}

/**
 * A number as callers hold it: in clear (E.164), or already sealed as a contact row stores it (the same vault
 * and keys, so its hash and ciphertext serve the registry as they are: no decryption on the sync's hot paths).
 */
export type PhoneRef = string | SealedPhone;

const CHUNK = 1000;
/** The registry's key, and the sealed number every upsert writes with it. */
const KEY = ['firm_id', 'phone_hash'];
const SEALED = ['phone_hash', 'phone_enc', 'phone_key_id'];

/**
 * The firm-wide rules on numbers: never call one on the do-not-call list or known to be wrong, and never call
 * one twice within the cooling period across the firm's tasks. Checked when contacts are added (`screen`, a
 * read) and again when a campaign is prepared, where the numbers are claimed (`claim`, a conditional write).
 * Numbers come in and go out in clear (E.164); the registry holds them sealed (PhoneVault) and matches on their
 * keyed hashes.
 */
@Injectable()
export class SuppressionService {
  constructor(
    private readonly dialect: SqlDialect,
    private readonly vault: PhoneVault,
    @Inject(SUPPRESSION_SETTINGS) private readonly settings: SuppressionSettings,
  ) {}

  /**
   * The numbers of `phones` that task `taskId` of the firm must not call at `now`, with the reason; keyed by
   * the caller's own values (a clear number, or the very SealedPhone object passed in). Calls of the task itself
   * and of `alsoOwn` (a follow-up's source task) do not count for the cooling period.
   */
  async screen<P extends PhoneRef>(
    manager: EntityManager,
    firmId: string,
    taskId: string | null,
    phones: readonly P[],
    now: Date,
    alsoOwn: readonly string[] = [],
  ): Promise<Map<P, SuppressionReason>> {
    const own = new Set([String(taskId), ...alsoOwn.map(String)]);
    const reasons = new Map<P, SuppressionReason>();
    const coolingSince = now.getTime() - this.settings.coolingDays * 24 * 3600_000;
    const byHash = this.groupByHash(phones);
    const hashes = [...byHash.keys()];
    for (let i = 0; i < hashes.length; i += CHUNK) {
      const rows = await manager.getRepository(FirmPhoneEntity).find({
        select: { phoneHash: true, doNotCall: true, invalid: true, lastCalledAt: true, lastTaskId: true },
        where: { firmId, phoneHash: In(hashes.slice(i, i + CHUNK)) },
      });
      for (const row of rows) {
        let reason: SuppressionReason | null = null;
        if (row.doNotCall) reason = 'do_not_call';
        else if (row.invalid) reason = 'invalid';
        else if (row.lastCalledAt && row.lastCalledAt.getTime() > coolingSince && !own.has(String(row.lastTaskId))) {
          reason = 'cooling';
        }
        if (reason) for (const phone of byHash.get(row.phoneHash)!) reasons.set(phone, reason);
      }
    }
    return reasons;
  }

  /**
   * Claims these numbers for a campaign of task `taskId` at `now`, atomically whatever runs at the same time,
   * and returns the reasons of those it could not claim (keyed like `screen`'s): `do_not_call`, `invalid`, or
   * `cooling` when another task of the firm called or claimed the number within the cooling period. Taken in the
   * caller's transaction when a campaign is prepared; a claim rolled back with it leaves the registry as it was.
   *
   * A read then a write (screen, then record the call) lets two tasks preparing at once both read "free" and
   * both dial. Here the write decides: numbers the registry lacks are inserted already claimed; the others are
   * taken by one conditional UPDATE (free, and cooled down or last claimed by this very task: a retry); then the
   * rows are read back as last committed, locked, and a number is this task's if its row now names it. A second
   * transaction claiming the same row waits on the first's lock, then finds it taken. A number last claimed by
   * one of `alsoOwn` (a follow-up's source task) is taken as if cooled down: the source's calls do not count.
   */
  async claim<P extends PhoneRef>(
    manager: EntityManager,
    firmId: string,
    taskId: string,
    phones: readonly P[],
    now: Date,
    alsoOwn: readonly string[] = [],
  ): Promise<Map<P, SuppressionReason>> {
    const ownIds = [taskId, ...alsoOwn.map(String)];
    const reasons = new Map<P, SuppressionReason>();
    const byHash = this.groupByHash(phones);
    const when = this.dialect.dateParam(now);
    const coolingSince = this.dialect.dateParam(new Date(now.getTime() - this.settings.coolingDays * 24 * 3600_000));
    const sealed = this.sealSorted(phones);
    for (let i = 0; i < sealed.length; i += CHUNK) {
      const chunk = sealed.slice(i, i + CHUNK);
      const hashes = chunk.map((p) => p.hash);
      const inList = hashes.map(() => '?').join(', ');
      await this.dialect.insertMissing(
        manager,
        'ai_visitor_firm_phone',
        ['firm_id', ...SEALED, 'last_called_at', 'last_task_id'],
        KEY,
        chunk.map((p) => [firmId, p.hash, p.enc, p.keyId, when, taskId]),
      );
      await manager.query(
        `UPDATE ai_visitor_firm_phone SET last_called_at = ?, last_task_id = ? ` +
          `WHERE firm_id = ? AND phone_hash IN (${inList}) AND do_not_call = 0 AND invalid = 0 ` +
          `AND (last_called_at IS NULL OR last_called_at <= ? OR last_task_id IN (${ownIds.map(() => '?').join(', ')}))`,
        [when, taskId, firmId, ...hashes, coolingSince, ...ownIds],
      );
      const rows: {
        phone_hash: string;
        do_not_call: number | string;
        invalid: number | string;
        last_task_id: string | number | null;
      }[] = await manager.query(
        `SELECT phone_hash, do_not_call, invalid, last_task_id FROM ai_visitor_firm_phone ` +
          `WHERE firm_id = ? AND phone_hash IN (${inList})${this.dialect.forUpdateClause()}`,
        [firmId, ...hashes],
      );
      for (const row of rows) {
        let reason: SuppressionReason | null = null;
        if (Number(row.do_not_call)) reason = 'do_not_call';
        else if (Number(row.invalid)) reason = 'invalid';
        else if (String(row.last_task_id) !== String(taskId)) reason = 'cooling';
        if (reason) for (const phone of byHash.get(row.phone_hash) ?? []) reasons.set(phone, reason);
      }
    }
    return reasons;
  }

  /** Puts numbers on the firm's do-not-call list, in the caller's transaction (every method takes the EntityManager it runs on first). */
  async addDoNotCall(
    manager: EntityManager,
    firmId: string,
    phones: readonly PhoneRef[],
    reason: DoNotCallReason,
    at: Date,
  ): Promise<void> {
    const when = this.dialect.dateParam(at);
    const rows = this.sealSorted(phones).map((p) => [firmId, p.hash, p.enc, p.keyId, 1, reason, when]);
    await this.dialect.upsert(
      manager,
      'ai_visitor_firm_phone',
      ['firm_id', ...SEALED, 'do_not_call', 'dnc_reason', 'dnc_at'],
      KEY,
      rows,
      ['do_not_call', 'dnc_reason', 'dnc_at'],
    );
  }

  /**
   * A candidate's erasure: these numbers (by keyed hash) go on the firm's do-not-call list with reason `erased`
   * and their ciphertext is replaced by the erased marker, in the caller's transaction. The hash stays (the number
   * is never called again by any task of the firm, and a number given again later is recognised); the number
   * itself is gone. Row locks in hash order, as every upsert here.
   */
  async eraseNumbers(manager: EntityManager, firmId: string, hashes: readonly string[], at: Date): Promise<void> {
    const when = this.dialect.dateParam(at);
    const rows = [...new Set(hashes)]
      .sort()
      .map((hash) => erasedSealed(hash))
      .map((p) => [firmId, p.hash, p.enc, p.keyId, 1, 'erased', when]);
    await this.dialect.upsert(
      manager,
      'ai_visitor_firm_phone',
      ['firm_id', ...SEALED, 'do_not_call', 'dnc_reason', 'dnc_at'],
      KEY,
      rows,
      ['phone_enc', 'phone_key_id', 'do_not_call', 'dnc_reason', 'dnc_at'],
    );
  }

  async removeDoNotCall(manager: EntityManager, firmId: string, phones: readonly string[]): Promise<number> {
    if (phones.length === 0) return 0;
    const result = await manager
      .getRepository(FirmPhoneEntity)
      .update(
        { firmId, phoneHash: In([...new Set(phones)].map((phone) => this.vault.hash(phone))), doNotCall: 1 },
        { doNotCall: 0, dncReason: null, dncAt: null },
      );
    return result.affected ?? 0;
  }

  async markInvalid(manager: EntityManager, firmId: string, phones: readonly PhoneRef[]): Promise<void> {
    const rows = this.sealSorted(phones).map((p) => [firmId, p.hash, p.enc, p.keyId, 1]);
    await this.dialect.upsert(manager, 'ai_visitor_firm_phone', ['firm_id', ...SEALED, 'invalid'], KEY, rows, [
      'invalid',
    ]);
  }

  /** The firm's do-not-call list, oldest entry first. */
  async listDoNotCall(
    manager: EntityManager,
    firmId: string,
    page: number,
    pageSize: number,
  ): Promise<{ items: DoNotCallEntry[]; total: number }> {
    const [rows, total] = await manager.getRepository(FirmPhoneEntity).findAndCount({
      select: { phoneHash: true, phoneEnc: true, phoneKeyId: true, dncReason: true, dncAt: true },
      where: { firmId, doNotCall: 1 },
      order: { dncAt: 'ASC', phoneHash: 'ASC' },
      skip: (page - 1) * pageSize,
      take: pageSize,
    });
    const items = rows.map((row) => ({
      phone: isErasedSealed({ keyId: row.phoneKeyId })
        ? null
        : this.vault.open({ enc: row.phoneEnc, keyId: row.phoneKeyId }),
      reason: row.dncReason,
      since: row.dncAt,
    }));
    return { items, total };
  }

  /**
   * Distinct numbers sealed (those already sealed are taken as they are), in the order of their hashes:
   * concurrent upserts then take their row locks in one order (no deadlock between two of them). A row that
   * exists keeps the ciphertext it has.
   */
  private sealSorted(phones: readonly PhoneRef[]): SealedPhone[] {
    const byHash = new Map<string, SealedPhone>();
    for (const phone of new Set(phones)) {
      const sealed = typeof phone === 'string' ? this.vault.seal(phone) : phone;
      byHash.set(sealed.hash, sealed);
    }
    return [...byHash.values()].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  }

  /** The caller's numbers by their keyed hash (one number may come in several forms, or twice). */
  private groupByHash<P extends PhoneRef>(phones: readonly P[]): Map<string, P[]> {
    const byHash = new Map<string, P[]>();
    for (const phone of phones) {
      const hash = this.hashOf(phone);
      const same = byHash.get(hash);
      if (same) same.push(phone);
      else byHash.set(hash, [phone]);
    }
    return byHash;
  }

  private hashOf(phone: PhoneRef): string {
    return typeof phone === 'string' ? this.vault.hash(phone) : phone.hash;
  }
}
