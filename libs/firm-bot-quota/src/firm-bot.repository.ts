import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { FirmBotEntity } from './entities/firm-bot.entity';
import { BotEntitlement } from './bot-entitlement';

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
