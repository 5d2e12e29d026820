import type { Random } from '@stormwatch/core';

/**
 * The wait before a model's next probe: `intervalMs` spread uniformly over ±`jitter`
 * (0.2: 80 %–120 % of the interval), counted from the *start* of the previous probe so the
 * pace stays steady however long probes take, minus the time already spent. Never negative:
 * a probe that took longer than the interval is followed by the next one at once, and only
 * one — the loop never catches up on missed probes in a burst.
 *
 * @param elapsedMs time since the previous probe started.
 * @param random a number in [0, 1).
 */
export function nextDelay(intervalMs: number, jitter: number, elapsedMs: number, random: Random): number {
  const spread = intervalMs * jitter * (2 * random() - 1);
  return Math.max(0, intervalMs + spread - elapsedMs);
}
