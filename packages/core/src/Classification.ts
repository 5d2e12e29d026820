import type { ErrorType } from '@stormwatch/conventions';

/**
 * What an adapter decided about one failed attempt. The policy acts on it; it never
 * inspects provider errors itself.
 */
export interface Classification {
  /** The error class (`error.type`), from the adapter's table (`@stormwatch/anthropic`'s README, "Classification"). */
  readonly errorType: ErrorType;
  /** Whether another attempt may help: the final decision, after any server override. */
  readonly retryable: boolean;
  /**
   * The server's wait hint in milliseconds (`retry-after-ms` / `retry-after`), as parsed by
   * {@link parseRetryAfter}; `undefined` when absent or unusable. The policy clamps it to
   * `maxRetryAfterMs` and waits max(hint, backoff).
   */
  readonly retryAfterMs?: number;
  /** HTTP status, when the error had one (an SSE `error` event after 200 has none). */
  readonly status?: number;
  /** True for 529 / `overloaded_error`: counts toward the fallback threshold. */
  readonly overload: boolean;
  /** True for 429 and 529: the adaptive limiter slows down. */
  readonly slowDown: boolean;
  /** The server's `x-should-retry` when it sent one (already applied to `retryable`). */
  readonly serverOverride?: boolean;
  /** A fixed wait this class asks for instead of backoff (HTTP 500/502/504: 5 s). */
  readonly fixedDelayMs?: number;
  /** A lower retry limit for this class (HTTP 500/502/504: 1 retry). */
  readonly maxRetries?: number;
}

/** Maps any error thrown by an attempt to a {@link Classification}. Must not throw. */
export type Classifier = (error: unknown) => Classification;
