import { Injectable } from '@nestjs/common';
import { Clock } from '@app/core';
import { TransactionRunner } from '@app/database';
import { FirmBotRepository } from '../firm-bot.repository';
import { FirmBotView, toFirmBotView } from '../firm-bot.view';

@Injectable()
export class GetFirmBot {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: FirmBotRepository,
    private readonly clock: Clock,
  ) {}

  async execute(firmId: string): Promise<FirmBotView> {
    return toFirmBotView(firmId, await this.repository.find(this.tx.autocommit, firmId), this.clock.now());
  }
}
