import { Injectable } from '@nestjs/common';
import { Clock } from '@app/core';
import { TransactionRunner } from '@app/database';
import { FirmBotRepository } from '../firm-bot.repository';
import { FirmBotView, toFirmBotView } from '../firm-bot.view';

export interface GrantFirmBotCommand {
  firmId: string;
  isOpenBot: boolean;
  botExpireAt: Date | null;
  botTaskNum: number;
}

/** Operations set a firm's BOT switch, expiry and task quota; usage is kept, so lowering the quota below it
 * only stops new tasks. */
@Injectable()
export class GrantFirmBot {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: FirmBotRepository,
    private readonly clock: Clock,
  ) {}

  async execute(command: GrantFirmBotCommand): Promise<FirmBotView> {
    await this.repository.upsert(this.tx.autocommit, command.firmId, command);
    return toFirmBotView(
      command.firmId,
      await this.repository.find(this.tx.autocommit, command.firmId),
      this.clock.now(),
    );
  }
}
