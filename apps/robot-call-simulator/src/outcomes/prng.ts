/** FNV-1a: a stable 32-bit hash of a string, used to seed one generator per (seed, request, contact). */
export function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32: a tiny, fast, well-distributed PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Index chosen by `roll` in [0, 1) among `weights` (proportional, need not sum to 1). */
export function pickWeighted(weights: readonly number[], roll: number): number {
  const total = weights.reduce((sum, w) => sum + w, 0);
  let threshold = roll * total;
  for (let i = 0; i < weights.length; i++) {
    if (threshold < weights[i]) return i;
    threshold -= weights[i];
  }
  // Floating-point leftovers: fall back to the last index that has any weight.
  for (let i = weights.length - 1; i >= 0; i--) if (weights[i] > 0) return i;
  return 0;
}
