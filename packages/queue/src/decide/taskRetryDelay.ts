/** Backoff between attempts of a failed task. */
export interface TaskBackoff {
  /** The ceiling after the first failed attempt, in ms; it doubles with each attempt. */
  readonly baseMs: number;
  /** The largest ceiling, in ms. */
  readonly capMs: number;
}

/**
 * How long a failed task waits before it is due again: full jitter,
 * `random(0, min(capMs, baseMs · 2^(attempts − 1)))` in ms, so tasks that failed together
 * do not come back together. Pure: `random` is the only source of randomness.
 */
export function taskRetryDelay(attempts: number, backoff: TaskBackoff, random: () => number): number {
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.floor(random() * ceiling);
}
