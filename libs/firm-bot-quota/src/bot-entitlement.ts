import { BotExpiredError, BotNotOpenError } from './errors/bot-errors';

export type BotState = 'open' | 'not_open' | 'expired';

export interface BotEntitlement {
  isOpenBot: boolean;
  botExpireAt: Date | null;
  botTaskNum: number;
  botTaskUsed: number;
}

/** Open means switched on and granted until a moment still ahead; a NULL expiry means never granted. */
export function botState(entitlement: BotEntitlement | null, now: Date): BotState {
  if (!entitlement || !entitlement.isOpenBot || !entitlement.botExpireAt) return 'not_open';
  return entitlement.botExpireAt.getTime() > now.getTime() ? 'open' : 'expired';
}

export function assertBotUsable(entitlement: BotEntitlement | null, now: Date): void {
  const state = botState(entitlement, now);
  if (state === 'not_open') throw new BotNotOpenError();
  if (state === 'expired') throw new BotExpiredError(entitlement!.botExpireAt!);
}
