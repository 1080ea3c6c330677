/** No retry waits longer than this, however many attempts failed. */
export const RETRY_CAP_MS = 3_600_000;

/**
 * The wait before retry `attempt` (1 = after the first failure): exponential backoff with full jitter, a random
 * time in [0, min(cap, base × 2^(attempt-1))). Full jitter spreads the retries of many deliveries (and of
 * several workers) over the whole window, so an endpoint coming back is not hit by all of them at once.
 */
export function retryDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const bound = Math.min(RETRY_CAP_MS, baseMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 40));
  return Math.floor(random() * bound);
}
