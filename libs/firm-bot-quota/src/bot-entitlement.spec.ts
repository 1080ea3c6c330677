import { assertBotUsable, botState } from './bot-entitlement';
import { BotExpiredError, BotNotOpenError } from './errors/bot-errors';

const now = new Date('2026-11-28T00:00:00Z');
const open = { isOpenBot: true, botExpireAt: new Date('2026-12-01T00:00:00Z'), botTaskNum: 5, botTaskUsed: 0 };

describe('botState', () => {
  it('is open while switched on and not yet expired', () => {
    expect(botState(open, now)).toBe('open');
  });

  it('is not open when never granted, switched off, or without an expiry', () => {
    expect(botState(null, now)).toBe('not_open');
    expect(botState({ ...open, isOpenBot: false }, now)).toBe('not_open');
    expect(botState({ ...open, botExpireAt: null }, now)).toBe('not_open');
  });

  it('is expired from the expiry instant on', () => {
    expect(botState({ ...open, botExpireAt: now }, now)).toBe('expired');
  });

  it('assertBotUsable raises the matching domain error', () => {
    expect(() => assertBotUsable(null, now)).toThrow(BotNotOpenError);
    expect(() => assertBotUsable({ ...open, botExpireAt: new Date('2026-01-01Z') }, now)).toThrow(BotExpiredError);
    expect(() => assertBotUsable(open, now)).not.toThrow();
  });
});
