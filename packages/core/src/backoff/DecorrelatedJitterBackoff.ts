import type { Random } from '../random.js';
import type { Backoff } from './Backoff.js';

/**
 * Decorrelated jitter: `min(cap, random(base, previous · 3))` (same AWS article as full
 * jitter). Each wait depends on the previous one, so waits grow without a fixed grid.
 */
export class DecorrelatedJitterBackoff implements Backoff {
  readonly kind = 'decorrelated_jitter';

  /**
   * @param baseMs the smallest wait, in milliseconds. Defaults to 1 s.
   * @param capMs the largest wait, in milliseconds. Defaults to 60 s.
   */
  constructor(
    readonly baseMs = 1_000,
    readonly capMs = 60_000,
  ) {
    if (!(baseMs > 0) || !Number.isFinite(baseMs)) throw new RangeError(`decorrelated jitter: baseMs must be a positive number of milliseconds, got ${String(baseMs)}`);
    if (!(capMs >= baseMs) || !Number.isFinite(capMs)) throw new RangeError(`decorrelated jitter: capMs must be a finite number >= baseMs (${baseMs}), got ${String(capMs)}`);
  }

  delay(_retry: number, previousMs: number, random: Random): number {
    const upper = Math.max(this.baseMs, previousMs * 3);
    return Math.floor(Math.min(this.capMs, this.baseMs + random() * (upper - this.baseMs)));
  }
}
