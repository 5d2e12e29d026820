import type { Random } from '../random.js';
import type { Backoff } from './Backoff.js';

/**
 * Full jitter: `random(0, min(cap, base · 2^(retry-1)))`, as in "Exponential Backoff And
 * Jitter" (AWS Architecture Blog, 2015). It spreads a fleet's retries uniformly instead of
 * synchronising them on a 1-2-4-8 s grid.
 */
export class FullJitterBackoff implements Backoff {
  readonly kind = 'full_jitter';

  /**
   * @param baseMs the first retry's upper bound, in milliseconds. Defaults to 1 s.
   * @param capMs the largest upper bound, in milliseconds. Defaults to 60 s.
   */
  constructor(
    readonly baseMs = 1_000,
    readonly capMs = 60_000,
  ) {
    if (!(baseMs > 0) || !Number.isFinite(baseMs)) throw new RangeError(`full jitter: baseMs must be a positive number of milliseconds, got ${String(baseMs)}`);
    if (!(capMs >= baseMs) || !Number.isFinite(capMs)) throw new RangeError(`full jitter: capMs must be a finite number >= baseMs (${baseMs}), got ${String(capMs)}`);
  }

  /** Upper bound of the wait before retry `retry` (1-based). */
  ceiling(retry: number): number {
    return Math.min(this.capMs, this.baseMs * 2 ** Math.min(retry - 1, 52));
  }

  delay(retry: number, _previousMs: number, random: Random): number {
    return Math.floor(random() * this.ceiling(retry));
  }
}
