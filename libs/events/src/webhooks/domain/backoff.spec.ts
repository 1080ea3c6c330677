import { retryDelayMs, RETRY_CAP_MS } from './backoff';

describe('retryDelayMs', () => {
  it('doubles the bound with each attempt, from the base', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000, top))).toEqual([999, 1999, 3999, 7999]);
  });

  it('is a random point below the bound (full jitter), never negative', () => {
    expect(retryDelayMs(3, 1000, () => 0)).toBe(0);
    expect(retryDelayMs(3, 1000, () => 0.5)).toBe(2000);
  });

  it('never waits more than an hour', () => {
    expect(retryDelayMs(100, 1000, () => 0.999999)).toBeLessThan(RETRY_CAP_MS);
    expect(retryDelayMs(13, 1000, () => 0.999999)).toBe(Math.floor(0.999999 * RETRY_CAP_MS));
  });
});
