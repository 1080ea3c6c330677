import { backoffDelayMs } from './retry-policy';

describe('backoffDelayMs', () => {
  const sut = backoffDelayMs;

  it('doubles per retry, between half and all of the step', () => {
    expect([1, 2, 3].map((n) => sut(n, 100, () => 0))).toEqual([50, 100, 200]);
    expect([1, 2, 3].map((n) => sut(n, 100, () => 0.999999))).toEqual([
      expect.closeTo(100, 3),
      expect.closeTo(200, 3),
      expect.closeTo(400, 3),
    ]);
  });
});
