/**
 * The pure logic of the system section (bench/sections/system.ts): whether a backlog grows over a run, and which
 * load (N firms) to try next when searching the highest one the system holds. No I/O, so it is unit-tested
 * (load-search.spec.ts).
 */

/** A value over time: `t` in seconds from the start of the load. */
export interface Point {
  t: number;
  v: number;
}

/** Least-squares slope of v over t (per second); 0 with fewer than two distinct times. */
export function slope(points: readonly Point[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const meanT = points.reduce((s, p) => s + p.t, 0) / n;
  const meanV = points.reduce((s, p) => s + p.v, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - meanT) * (p.v - meanV);
    den += (p.t - meanT) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export interface Trend {
  /** Least-squares slope over the window, per second. */
  slopePerS: number;
  /** What that slope adds over the window: slope × the window's length. */
  growth: number;
  /** The most it may add and still count as steady. */
  allowed: number;
  growing: boolean;
  /** Samples in the window. */
  samples: number;
}

/**
 * Whether a backlog grows: the least-squares line through its samples in the last half of the load
 * (`[loadS / 2, loadS]`) rises by more than `allowed` over that half. A steady system's backlog goes up and down
 * with the load's bursts (campaign ends, relay rounds) around a level; one that falls behind gains about
 * (input − output) × time, which the fitted line shows even through that noise. Fewer than 3 samples in the
 * window: not judged (growing false).
 */
export function trendOverLastHalf(points: readonly Point[], loadS: number, allowed: number): Trend {
  const from = loadS / 2;
  const window = points.filter((p) => p.t >= from && p.t <= loadS);
  const s = window.length >= 3 ? slope(window) : 0;
  const span = loadS - from;
  const growth = s * span;
  return { slopePerS: s, growth, allowed, growing: window.length >= 3 && growth > allowed, samples: window.length };
}

/** One trial of the search: a load and whether the system held it. */
export interface Trial {
  firms: number;
  held: boolean;
}

export interface SearchPlan {
  /** The loads tried first, in increasing order, until one is not held. */
  ladder: readonly number[];
  /** Bisection stops when the gap between the highest held and the lowest not held is at most this. */
  resolution: number;
  /** No more trials than this. */
  maxTrials: number;
}

/** The highest load held among the trials (0 when none was). */
export function highestHeld(trials: readonly Trial[]): number {
  return Math.max(0, ...trials.filter((t) => t.held).map((t) => t.firms));
}

/** The lowest load not held among the trials (undefined when every one was). */
export function lowestFailed(trials: readonly Trial[]): number | undefined {
  const failed = trials.filter((t) => !t.held).map((t) => t.firms);
  return failed.length ? Math.min(...failed) : undefined;
}

/**
 * The next load to try, or undefined when the search is over: up the ladder while every step is held; after the
 * first step not held, bisection between the highest load held (0 if none) and the lowest not held, to
 * `resolution` firms (a midpoint is rounded to a multiple of 5 when the gap is wide, so figures read plainly).
 * Over when the trials reach `maxTrials`, the ladder is exhausted with every step held, or the gap is closed.
 */
export function nextLoad(trials: readonly Trial[], plan: SearchPlan): number | undefined {
  if (trials.length >= plan.maxTrials) return undefined;
  const low = highestHeld(trials);
  const high = lowestFailed(trials);
  if (high === undefined) return plan.ladder.find((n) => n > low);
  if (high - low <= plan.resolution) return undefined;
  let mid = Math.floor((low + high) / 2);
  if (high - low > 20) mid = Math.round(mid / 5) * 5;
  if (mid <= low || mid >= high) mid = Math.floor((low + high) / 2);
  if (mid <= low || mid >= high || trials.some((t) => t.firms === mid)) return undefined;
  return mid;
}
