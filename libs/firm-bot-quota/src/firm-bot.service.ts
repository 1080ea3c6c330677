import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '@app/core';
import { TransactionRunner } from '@app/database';
import { FirmBotRepository } from './firm-bot.repository';
import { assertBotUsable, BotEntitlement, botState } from './bot-entitlement';
import { BotTaskQuotaExceededError } from './errors/bot-errors';

/** The entitlement checks other libs and the API's guard rely on. */
@Injectable()
export class FirmBotService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: FirmBotRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * The entitlement check (one read): BOT_NOT_OPEN or BOT_EXPIRED. The API's guard makes it before any work; a use
   * case that spends the BOT (the start) makes it again on its own transaction, so a caller outside HTTP (a
   * scheduled start) is held to it too.
   */
  async assertUsable(firmId: string, manager: EntityManager = this.tx.autocommit): Promise<void> {
    assertBotUsable(await this.repository.find(manager, firmId), this.clock.now());
  }

  /** Whether the firm's BOT may dial now, and if not why (the pause reason), read on `manager`. */
  async isUsable(manager: EntityManager, firmId: string): Promise<{ usable: boolean; reason?: string }> {
    const state = botState(await this.repository.find(manager, firmId), this.clock.now());
    return state === 'open'
      ? { usable: true }
      : { usable: false, reason: state === 'expired' ? 'bot_expired' : 'bot_closed' };
  }

  /** Takes a task slot inside the caller's transaction, or says precisely why not. */
  async takeTaskSlot(manager: EntityManager, firmId: string): Promise<void> {
    const now = this.clock.now();
    if (await this.repository.tryTakeTaskSlot(manager, firmId, now)) return;
    const entitlement: BotEntitlement | null = await this.repository.find(manager, firmId);
    assertBotUsable(entitlement, now);
    throw new BotTaskQuotaExceededError(entitlement!.botTaskNum);
  }

  async releaseTaskSlot(manager: EntityManager, firmId: string): Promise<void> {
    await this.repository.releaseTaskSlot(manager, firmId);
  }
}
