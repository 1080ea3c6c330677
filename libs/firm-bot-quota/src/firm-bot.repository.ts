import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { FirmBotEntity } from './entities/firm-bot.entity';
import { BotEntitlement } from './bot-entitlement';

/** A grant the expiry notices look at: its entitlement, and the notices already sent for its expiry. */
export interface ExpiringGrant {
  firmId: string;
  entitlement: BotEntitlement & { botExpireAt: Date };
  /** The notices sent for this very expiry (none when they were about another expiry date). */
  sentNotices: number;
}

export interface GrantInput {
  isOpenBot: boolean;
  botExpireAt: Date | null;
  botTaskNum: number;
}

@Injectable()
export class FirmBotRepository {
  async find(manager: EntityManager, firmId: string): Promise<BotEntitlement | null> {
    const row = await manager.getRepository(FirmBotEntity).findOne({ where: { firmId } });
    return row && toEntitlement(row);
  }

  /** Sets the grant; usage (`bot_task_used`) is never touched by a grant. */
  async upsert(manager: EntityManager, firmId: string, grant: GrantInput): Promise<void> {
    await manager
      .getRepository(FirmBotEntity)
      .createQueryBuilder()
      .insert()
      .into(FirmBotEntity)
      .values({
        firmId,
        isOpenBot: grant.isOpenBot ? 1 : 0,
        botExpireAt: grant.botExpireAt,
        botTaskNum: grant.botTaskNum,
        botTaskUsed: 0,
      })
      .orUpdate(['is_open_bot', 'bot_expire_at', 'bot_task_num'], ['firm_id'])
      .execute();
  }

  /**
   * Takes one task slot if, at this instant, the BOT is open, unexpired and under quota. One conditional
   * UPDATE is the whole check-and-take, so concurrent creations can never overshoot the quota.
   */
  async tryTakeTaskSlot(manager: EntityManager, firmId: string, now: Date): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(FirmBotEntity)
      .set({ botTaskUsed: () => 'bot_task_used + 1' })
      .where('firm_id = :firmId', { firmId })
      .andWhere('is_open_bot = 1')
      .andWhere('bot_expire_at > :now', { now })
      .andWhere('bot_task_used < bot_task_num')
      .execute();
    return (result.affected ?? 0) === 1;
  }

  /**
   * Open grants whose expiry falls in (`from`, `to`] and whose notices for it are not all sent, after `afterFirmId`
   * by firm id (a range on the expiry index; keyset by firm, `limit` at a time).
   */
  async expiringGrants(
    manager: EntityManager,
    range: { from: Date; to: Date },
    allNotices: number,
    afterFirmId: string,
    limit: number,
  ): Promise<ExpiringGrant[]> {
    const rows = await manager
      .getRepository(FirmBotEntity)
      .createQueryBuilder('b')
      .where('b.bot_expire_at > :from AND b.bot_expire_at <= :to', range)
      .andWhere('b.is_open_bot = 1')
      .andWhere('(b.expiry_notice_for IS NULL OR b.expiry_notice_for <> b.bot_expire_at OR b.expiry_notices <> :all)', {
        all: allNotices,
      })
      .andWhere('b.firm_id > :after', { after: afterFirmId })
      .orderBy('b.firm_id', 'ASC')
      .limit(limit)
      .getMany();
    return rows.map((row) => ({
      firmId: String(row.firmId),
      entitlement: toEntitlement(row) as ExpiringGrant['entitlement'],
      sentNotices: row.expiryNoticeFor?.getTime() === row.botExpireAt!.getTime() ? row.expiryNotices : 0,
    }));
  }

  /**
   * Records `notices` as sent for the grant's expiry, if the grant is still the one read (open, same expiry) and
   * no one recorded a notice since (`sent`, as read): a compare-and-set, so two workers never send one twice.
   */
  async recordExpiryNotices(
    manager: EntityManager,
    firmId: string,
    expireAt: Date,
    sent: number,
    notices: number,
  ): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(FirmBotEntity)
      .set({ expiryNoticeFor: () => 'bot_expire_at', expiryNotices: notices })
      .where('firm_id = :firmId AND is_open_bot = 1 AND bot_expire_at = :expireAt', { firmId, expireAt })
      .andWhere('(CASE WHEN expiry_notice_for = bot_expire_at THEN expiry_notices ELSE 0 END) = :sent', { sent })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async releaseTaskSlot(manager: EntityManager, firmId: string): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(FirmBotEntity)
      .set({ botTaskUsed: () => 'bot_task_used - 1' })
      .where('firm_id = :firmId AND bot_task_used > 0', { firmId })
      .execute();
  }
}

function toEntitlement(row: FirmBotEntity): BotEntitlement {
  return {
    isOpenBot: row.isOpenBot === 1,
    botExpireAt: row.botExpireAt,
    botTaskNum: row.botTaskNum,
    botTaskUsed: row.botTaskUsed,
  };
}
