import { DelaySource } from '@stormwatch/conventions';
import type { Classification } from '../Classification.js';

/** How long to wait before a retry, and why. */
export interface RetryDelay {
  readonly ms: number;
  readonly source: DelaySource;
}

/** A server's "come back in `ms`" as the policy trusts it: never negative, never past `maxMs`. */
export function clampHint(ms: number, maxMs: number): number {
  return Math.min(Math.max(0, ms), maxMs);
}

/**
 * The wait before retrying after a failure classified as `c`: the class's fixed delay when
 * it has one (HTTP 500: 5 s), otherwise max(`retry-after` clamped to `maxRetryAfterMs`,
 * the backoff's jitter). `drawJitter` is called at most once, and only when the jitter is
 * needed, so a seeded random source draws the same sequence whatever the hints were.
 */
export function retryDelay(c: Classification, drawJitter: () => number, maxRetryAfterMs: number): RetryDelay {
  if (c.fixedDelayMs !== undefined) return { ms: c.fixedDelayMs, source: DelaySource.BACKOFF };
  const jitter = drawJitter();
  const hint = c.retryAfterMs === undefined ? undefined : clampHint(c.retryAfterMs, maxRetryAfterMs);
  if (hint !== undefined && hint >= jitter) return { ms: hint, source: DelaySource.RETRY_AFTER };
  return { ms: jitter, source: DelaySource.BACKOFF };
}
