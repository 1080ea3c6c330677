import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@app/core';
import { TransactionRunner } from '@app/database';
import { EventOutbox } from '@app/events';
import { FirmBotRepository, ExpiringGrant } from '../firm-bot.repository';
import {
  ALL_EXPIRY_NOTICES,
  dueExpiryNotice,
  EXPIRED_NOTICE_LOOKBACK_MS,
  EXPIRY_NOTICE_AHEAD_MS,
} from '../domain/expiry-notices';

/** Grants read per round. */
const BATCH = 500;

export interface BotExpirySummary {
  /** Grants looked at (expiring within a week or expired within the last, notices not all sent). */
  scanned: number;
  /** Events written. */
  notified: number;
}

/**
 * Tells operations a firm's BOT is about to expire (a week and a day ahead: `firm.bot_expiring`) and that it
 * has (`firm.bot_expired`), each once per grant: the notice is recorded on the grant, for its expiry date, in the
 * same transaction as the event, by compare-and-set (several workers may run this at once). A new grant with
 * another expiry date starts afresh. A closed BOT (`isOpenBot` false) gets none: the firm cannot use it whatever
 * its date, and operations closed it on purpose, so "renew before it lapses" would be noise; reopened before
 * its expiry, it gets its notices then. For the worker's cron (BOT_EXPIRY_CRON).
 */
@Injectable()
export class NotifyBotExpiry {
  private readonly logger = new Logger(NotifyBotExpiry.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: FirmBotRepository,
    private readonly outbox: EventOutbox,
    private readonly clock: Clock,
  ) {}

  async execute(): Promise<BotExpirySummary> {
    const now = this.clock.now();
    const range = {
      from: new Date(now.getTime() - EXPIRED_NOTICE_LOOKBACK_MS),
      to: new Date(now.getTime() + EXPIRY_NOTICE_AHEAD_MS),
    };
    const summary: BotExpirySummary = { scanned: 0, notified: 0 };
    let after = '0';
    for (;;) {
      const grants = await this.repository.expiringGrants(this.tx.autocommit, range, ALL_EXPIRY_NOTICES, after, BATCH);
      summary.scanned += grants.length;
      for (const grant of grants) {
        if (await this.notify(grant, now)) summary.notified++;
      }
      if (grants.length < BATCH) return summary;
      after = grants[grants.length - 1].firmId;
    }
  }

  private async notify({ firmId, entitlement, sentNotices }: ExpiringGrant, now: Date): Promise<boolean> {
    const due = dueExpiryNotice(entitlement.botExpireAt, now, sentNotices);
    if (!due) return false;
    const sent = await this.tx.run(async (manager) => {
      if (
        !(await this.repository.recordExpiryNotices(manager, firmId, entitlement.botExpireAt, sentNotices, due.notices))
      )
        return false;
      await this.outbox.append(manager, [
        {
          type: due.type,
          firmId,
          data: {
            firmId,
            botExpireAt: entitlement.botExpireAt.toISOString(),
            daysLeft: due.daysLeft,
            isOpenBot: entitlement.isOpenBot,
            quota: {
              botTaskNum: entitlement.botTaskNum,
              botTaskUsed: entitlement.botTaskUsed,
              botTaskRemaining: Math.max(0, entitlement.botTaskNum - entitlement.botTaskUsed),
            },
          },
        },
      ]);
      return true;
    });
    if (sent) this.logger.log({ msg: `${due.type} for firm ${firmId}`, firmId, daysLeft: due.daysLeft });
    return sent;
  }
}
