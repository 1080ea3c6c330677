/** The wire's intentions: 0 none, 1 interested, 2 not considering, 3 inconvenient, 4 wrong number. */
export const INTENTIONS = [0, 1, 2, 3, 4] as const;
export type Intention = (typeof INTENTIONS)[number];

/** Relative weights of intentions 0–4 among connected calls (any scale; only the proportions count). */
export type IntentionMix = Readonly<Record<Intention, number>>;

/**
 * 10% of connected calls end with no classified intention (0): the robot could not tell (hang-up mid-script,
 * silence), which real platforms report and consumers must handle.
 */
export const DEFAULT_INTENTION_MIX_TEXT = '1:0.25,2:0.35,3:0.2,4:0.1';

/**
 * Parses `1:0.3,2:0.4,3:0.2,4:0.1`. Keys are intentions 0–4; when 0 is not named it takes whatever the
 * others leave below 1 (nothing if they reach 1), so the common spelling stays short.
 * Returns an error message instead of throwing, so the caller can name its own source (env var, option).
 */
export function parseIntentionMix(text: string): IntentionMix | string {
  const weights: Record<number, number> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([0-4])\s*:\s*(\d+(?:\.\d+)?|\.\d+)$/.exec(part);
    if (!match) return `"${part}" is not "<intention 0-4>:<weight>"`;
    const intention = Number(match[1]);
    if (intention in weights) return `intention ${intention} is given twice`;
    weights[intention] = Number(match[2]);
  }
  if (!(0 in weights)) {
    const named = Object.values(weights).reduce((sum, w) => sum + w, 0);
    weights[0] = Math.max(0, 1 - named);
  }
  const mix = { 0: weights[0] ?? 0, 1: weights[1] ?? 0, 2: weights[2] ?? 0, 3: weights[3] ?? 0, 4: weights[4] ?? 0 };
  return intentionMixProblem(mix) ?? mix;
}

export function intentionMixProblem(mix: IntentionMix): string | null {
  const weights = INTENTIONS.map((i) => mix[i]);
  if (weights.some((w) => typeof w !== 'number' || !Number.isFinite(w) || w < 0)) {
    return 'weights must be finite numbers >= 0';
  }
  if (weights.reduce((sum, w) => sum + w, 0) <= 0) return 'at least one weight must be positive';
  return null;
}
