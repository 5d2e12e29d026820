/**
 * Seed derivation and the few distributions the simulator samples. Every random draw in
 * the storm lab comes from a seeded stream; separate streams (workload, service, policy
 * jitter) keep a change in one part from shifting the numbers of another.
 */
import type { Random } from '@stormwatch/core';

/** 32-bit FNV-1a of a seed and a label: the seed of an independent stream. */
export function deriveSeed(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  h = Math.imul(h, 0x01000193) >>> 0;
  const s = `${Math.floor(seed / 2 ** 32)}:${label}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** An exponentially distributed sample with the given mean. */
export function exponential(random: Random, mean: number): number {
  // 1 - u is in (0, 1], so the logarithm is finite.
  return -Math.log(1 - random()) * mean;
}

/** A sample uniformly distributed in [min, max]. */
export function uniform(random: Random, min: number, max: number): number {
  return min + (max - min) * random();
}

/** A whole number uniformly distributed in [min, max]. */
export function uniformInt(random: Random, min: number, max: number): number {
  return Math.min(max, min + Math.floor((max - min + 1) * random()));
}
