import { describe, expect, it } from '@jest/globals';
import { nextLoad, Point, SearchPlan, slope, Trial, trendOverLastHalf } from './load-search';

const plan: SearchPlan = { ladder: [20, 50, 100, 150, 200], resolution: 10, maxTrials: 10 };

/** Runs the search against a system that holds exactly `capacity` firms; returns the loads tried in order. */
function search(capacity: number, p: SearchPlan = plan): number[] {
  const trials: Trial[] = [];
  for (let n = nextLoad(trials, p); n !== undefined; n = nextLoad(trials, p)) {
    trials.push({ firms: n, held: n <= capacity });
  }
  return trials.map((t) => t.firms);
}

describe('slope', () => {
  it('is the least-squares slope per second', () => {
    const points: Point[] = [0, 1, 2, 3].map((t) => ({ t, v: 5 + 2 * t }));
    expect(slope(points)).toBeCloseTo(2);
  });

  it('is 0 with fewer than two distinct times', () => {
    expect(slope([{ t: 1, v: 3 }])).toBe(0);
    expect(
      slope([
        { t: 1, v: 3 },
        { t: 1, v: 9 },
      ]),
    ).toBe(0);
  });
});

describe('trendOverLastHalf', () => {
  const run = (f: (t: number) => number) => Array.from({ length: 61 }, (_, i) => ({ t: i * 3, v: f(i * 3) }));

  it('calls a backlog that oscillates around a level steady', () => {
    const sut = trendOverLastHalf(
      run((t) => 200 + (t % 6 === 0 ? 150 : -150)),
      180,
      100,
    );
    expect(sut.growing).toBe(false);
    expect(sut.samples).toBe(31);
  });

  it('calls a backlog that gains more than allowed over the last half growing', () => {
    // 2 items/s over the 90 s of the last half: 180 gained, 100 allowed.
    const sut = trendOverLastHalf(
      run((t) => (t < 90 ? 0 : 2 * (t - 90))),
      180,
      100,
    );
    expect(sut.growing).toBe(true);
    expect(sut.growth).toBeCloseTo(180);
  });

  it('does not count a backlog that grew only in the first half (the start-up)', () => {
    const sut = trendOverLastHalf(
      run((t) => Math.min(t, 60) * 10),
      180,
      100,
    );
    expect(sut.growing).toBe(false);
  });

  it('ignores the drain after the load and judges nothing with fewer than 3 samples', () => {
    const points = [
      { t: 100, v: 0 },
      { t: 170, v: 1000 },
      { t: 200, v: 5000 },
    ];
    expect(trendOverLastHalf(points, 180, 100)).toMatchObject({ growing: false, samples: 2 });
  });
});

describe('nextLoad', () => {
  it('climbs the ladder, then bisects to the resolution', () => {
    expect(search(120)).toEqual([20, 50, 100, 150, 125, 110, 117]);
  });

  it('stops at the top of the ladder when every step holds', () => {
    expect(search(1000)).toEqual([20, 50, 100, 150, 200]);
  });

  it('bisects below the first step when even that fails', () => {
    expect(search(3, { ...plan, resolution: 2 })).toEqual([20, 10, 5, 2, 3]);
  });

  it('never runs more than maxTrials', () => {
    expect(search(120, { ...plan, maxTrials: 3 })).toEqual([20, 50, 100]);
  });

  it('never tries a load twice', () => {
    const trials: Trial[] = [
      { firms: 100, held: true },
      { firms: 112, held: false },
      { firms: 106, held: true },
    ];
    expect(nextLoad(trials, { ...plan, resolution: 1 })).toBe(109);
  });
});
