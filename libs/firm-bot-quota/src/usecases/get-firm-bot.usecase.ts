import { Injectable } from '@nestjs/common';
import { Clock } from '@app/core';
import { TransactionRunner } from '@app/database';
import { FirmBotRepository } from '../firm-bot.repository';
import { FirmBotView, toFirmBotView } from '../firm-bot.view';

/** Whose entitlement to read. */
export interface GetFirmBotQuery {
  firmId: string;
}

/** A firm's BOT entitlement with its usage (operations, and a firm reading its own). */
@Injectable()
export class GetFirmBot {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: FirmBotRepository,
    private readonly clock: Clock,
  ) {}

  async execute({ firmId }: GetFirmBotQuery): Promise<FirmBotView> {
    return toFirmBotView(firmId, await this.repository.find(this.tx.autocommit, firmId), this.clock.now());
  }
}
