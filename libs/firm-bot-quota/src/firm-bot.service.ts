import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '@app/core';
import { FirmBotRepository } from './firm-bot.repository';
import { assertBotUsable, BotEntitlement, botState } from './bot-entitlement';
import { BotTaskQuotaExceededError } from './errors/bot-errors';

/** The entitlement checks other libs and the API's guard rely on. */
@Injectable()
export class FirmBotService {
  constructor(
    private readonly repository: FirmBotRepository,
    private readonly clock: Clock,
  ) {}

  async assertUsable(firmId: string, manager?: EntityManager): Promise<void> {
    assertBotUsable(await this.repository.find(firmId, manager), this.clock.now());
  }

  async isUsable(firmId: string, manager?: EntityManager): Promise<{ usable: boolean; reason?: string }> {
    const state = botState(await this.repository.find(firmId, manager), this.clock.now());
    return state === 'open' ? { usable: true } : { usable: false, reason: state === 'expired' ? 'bot_expired' : 'bot_closed' };
  }

  /** Takes a task slot inside the caller's transaction, or says precisely why not. */
  async takeTaskSlot(firmId: string, manager: EntityManager): Promise<void> {
    const now = this.clock.now();
    if (await this.repository.tryTakeTaskSlot(firmId, now, manager)) return;
    const entitlement: BotEntitlement | null = await this.repository.find(firmId, manager);
    assertBotUsable(entitlement, now);
    throw new BotTaskQuotaExceededError(entitlement!.botTaskNum);
  }

  async releaseTaskSlot(firmId: string, manager: EntityManager): Promise<void> {
    await this.repository.releaseTaskSlot(firmId, manager);
  }
}
