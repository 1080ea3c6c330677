import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { SqlDialect } from '@app/database';
import { FirmPhoneEntity } from './firm-phone.entity';
import { SUPPRESSION_SETTINGS, SuppressionSettings } from './suppression.settings';

/** Why a number must not be called now. */
export type SuppressionReason = 'do_not_call' | 'invalid' | 'cooling';

export type DoNotCallReason = 'not_considering' | 'opted_out' | 'requested' | string;

const CHUNK = 1000;

/**
 * The firm-wide rules on numbers: never call one on the do-not-call list or known to be wrong, and never call
 * one twice within the cooling period across the firm's tasks. Checked when contacts are added and again when
 * a campaign is prepared (things change in between).
 */
@Injectable()
export class SuppressionService {
  constructor(
    @InjectRepository(FirmPhoneEntity) private readonly phones: Repository<FirmPhoneEntity>,
    private readonly dialect: SqlDialect,
    @Inject(SUPPRESSION_SETTINGS) private readonly settings: SuppressionSettings,
  ) {}

  /** The numbers of `phones` that task `taskId` of the firm must not call at `now`, with the reason. */
  async screen(
    manager: EntityManager,
    firmId: string,
    taskId: string | null,
    phones: readonly string[],
    now: Date,
  ): Promise<Map<string, SuppressionReason>> {
    const reasons = new Map<string, SuppressionReason>();
    const coolingSince = now.getTime() - this.settings.coolingDays * 24 * 3600_000;
    for (let i = 0; i < phones.length; i += CHUNK) {
      const rows = await manager.getRepository(FirmPhoneEntity).find({
        where: { firmId, phone: In(phones.slice(i, i + CHUNK)) },
      });
      for (const row of rows) {
        if (row.doNotCall) reasons.set(row.phone, 'do_not_call');
        else if (row.invalid) reasons.set(row.phone, 'invalid');
        else if (
          row.lastCalledAt &&
          row.lastCalledAt.getTime() > coolingSince &&
          String(row.lastTaskId) !== String(taskId)
        ) {
          reasons.set(row.phone, 'cooling');
        }
      }
    }
    return reasons;
  }

  /** Records that task `taskId` is calling these numbers now (taken when the campaign is prepared). */
  async recordCalls(manager: EntityManager, firmId: string, taskId: string, phones: readonly string[], at: Date): Promise<void> {
    const when = this.dialect.dateParam(at);
    const rows = [...phones].sort().map((phone) => [firmId, phone, when, taskId]);
    await this.dialect.upsert(
      manager,
      'ai_visitor_firm_phone',
      ['firm_id', 'phone', 'last_called_at', 'last_task_id'],
      ['firm_id', 'phone'],
      rows,
      ['last_called_at', 'last_task_id'],
    );
  }

  async addDoNotCall(manager: EntityManager | undefined, firmId: string, phones: readonly string[], reason: DoNotCallReason, at: Date): Promise<void> {
    const when = this.dialect.dateParam(at);
    const rows = [...new Set(phones)].sort().map((phone) => [firmId, phone, 1, reason, when]);
    await this.dialect.upsert(
      manager ?? this.phones.manager,
      'ai_visitor_firm_phone',
      ['firm_id', 'phone', 'do_not_call', 'dnc_reason', 'dnc_at'],
      ['firm_id', 'phone'],
      rows,
      ['do_not_call', 'dnc_reason', 'dnc_at'],
    );
  }

  async removeDoNotCall(firmId: string, phones: readonly string[]): Promise<number> {
    if (phones.length === 0) return 0;
    const result = await this.phones.update(
      { firmId, phone: In([...phones]), doNotCall: 1 },
      { doNotCall: 0, dncReason: null, dncAt: null },
    );
    return result.affected ?? 0;
  }

  async markInvalid(manager: EntityManager, firmId: string, phones: readonly string[]): Promise<void> {
    const rows = [...new Set(phones)].sort().map((phone) => [firmId, phone, 1]);
    await this.dialect.upsert(manager, 'ai_visitor_firm_phone', ['firm_id', 'phone', 'invalid'], ['firm_id', 'phone'], rows, ['invalid']);
  }

  async listDoNotCall(firmId: string, page: number, pageSize: number): Promise<{ items: FirmPhoneEntity[]; total: number }> {
    const [items, total] = await this.phones.findAndCount({
      where: { firmId, doNotCall: 1 },
      order: { phone: 'ASC' },
      skip: (page - 1) * pageSize,
      take: pageSize,
    });
    return { items, total };
  }
}
