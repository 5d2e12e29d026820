/** A source of uniformly distributed numbers in [0, 1), like `Math.random`. */
export type Random = () => number;

/**
 * A seeded pseudo-random source (mulberry32: 32-bit state, period 2^32), so jitter is
 * reproducible in tests and the storm lab. Not for cryptography.
 */
export function seededRandom(seed: number): Random {
  if (!Number.isInteger(seed)) throw new TypeError(`seededRandom: seed must be an integer, got ${String(seed)}`);
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
