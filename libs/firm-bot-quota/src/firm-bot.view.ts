import { BotEntitlement, BotState, botState } from './bot-entitlement';

/** What operations and a firm see of an entitlement. */
export interface FirmBotView {
  firmId: string;
  isOpenBot: boolean;
  botExpireAt: string | null;
  botTaskNum: number;
  botTaskUsed: number;
  botTaskRemaining: number;
  state: BotState;
}

export function toFirmBotView(firmId: string, entitlement: BotEntitlement | null, now: Date): FirmBotView {
  const e = entitlement ?? { isOpenBot: false, botExpireAt: null, botTaskNum: 0, botTaskUsed: 0 };
  return {
    firmId,
    isOpenBot: e.isOpenBot,
    botExpireAt: e.botExpireAt ? e.botExpireAt.toISOString() : null,
    botTaskNum: e.botTaskNum,
    botTaskUsed: e.botTaskUsed,
    botTaskRemaining: Math.max(0, e.botTaskNum - e.botTaskUsed),
    state: botState(entitlement, now),
  };
}
