import { ALL_EXPIRY_NOTICES, dueExpiryNotice, EXPIRY_NOTICE } from './expiry-notices';

const DAY = 24 * 3600_000;
const expireAt = new Date('2026-12-31T00:00:00.000Z');
const at = (msBefore: number) => new Date(expireAt.getTime() - msBefore);

describe('dueExpiryNotice', () => {
  it('says nothing more than a week ahead', () => {
    expect(dueExpiryNotice(expireAt, at(7 * DAY + 1), 0)).toBeNull();
  });

  it('sends a week ahead, then a day ahead, then at expiry, each once', () => {
    expect(dueExpiryNotice(expireAt, at(7 * DAY), 0)).toEqual({
      type: 'firm.bot_expiring',
      daysLeft: 7,
      notices: EXPIRY_NOTICE.week,
    });
    expect(dueExpiryNotice(expireAt, at(2 * DAY), EXPIRY_NOTICE.week)).toBeNull();
    expect(dueExpiryNotice(expireAt, at(DAY), EXPIRY_NOTICE.week)).toEqual({
      type: 'firm.bot_expiring',
      daysLeft: 1,
      notices: EXPIRY_NOTICE.week | EXPIRY_NOTICE.day,
    });
    expect(dueExpiryNotice(expireAt, at(1), EXPIRY_NOTICE.week | EXPIRY_NOTICE.day)).toBeNull();
    expect(dueExpiryNotice(expireAt, at(0), EXPIRY_NOTICE.week | EXPIRY_NOTICE.day)).toEqual({
      type: 'firm.bot_expired',
      daysLeft: 0,
      notices: ALL_EXPIRY_NOTICES,
    });
    expect(dueExpiryNotice(expireAt, at(-DAY), ALL_EXPIRY_NOTICES)).toBeNull();
  });

  it('sends only the most urgent notice when earlier ones were overtaken', () => {
    expect(dueExpiryNotice(expireAt, at(DAY / 2), 0)).toMatchObject({
      daysLeft: 1,
      notices: EXPIRY_NOTICE.week | EXPIRY_NOTICE.day,
    });
    expect(dueExpiryNotice(expireAt, at(-1), 0)).toMatchObject({ daysLeft: 0, notices: ALL_EXPIRY_NOTICES });
  });

  it('stays silent about an expiry more than a week past', () => {
    expect(dueExpiryNotice(expireAt, at(-7 * DAY), 0)).toMatchObject({ daysLeft: 0 });
    expect(dueExpiryNotice(expireAt, at(-7 * DAY - 1), 0)).toBeNull();
  });
});
