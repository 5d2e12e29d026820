import { isRetriesExhaustedError, type RetriesExhaustedReason } from '@stormwatch/core';

/** Why Stormwatch stopped retrying, attached to the SDK error it hands back. */
export interface RetriesExhaustedInfo {
  /** Which limit ended the retries: `max_attempts`, `class_limit` or `max_total_delay`. */
  readonly reason: RetriesExhaustedReason;
  /** How many attempts the call made (every one failed with a retryable error). */
  readonly attempts: number;
}

/** The SDK's error, as the caller gets it when every retry failed. */
export type ExhaustedSdkError<E extends Error = Error> = E & { readonly stormwatch: RetriesExhaustedInfo };

/**
 * The error a `resilient()` call rejects with. When retries ran out, that is the last
 * attempt's own error — the SDK's `OverloadedError`, `RateLimitError`, `APIConnectionError`…,
 * an `Anthropic.APIError` with its `status` and `headers` — so `instanceof
 * Anthropic.RateLimitError` and `error.status` work as without Stormwatch; the reason is on
 * its `stormwatch` property ({@link retriesExhaustedInfo}). Every other error (one that ended
 * the call at once, or one Stormwatch raised with no response: open circuit, deadline,
 * budget, refused admission, deferral) is passed through unchanged.
 */
export function callerError(error: unknown): unknown {
  if (!isRetriesExhaustedError(error)) return error;
  const last = error.cause;
  if (typeof last !== 'object' || last === null) return error;
  const info: RetriesExhaustedInfo = { reason: error.reason, attempts: error.attempts };
  // Not enumerable: loggers that serialise the error's own fields see what the SDK put there.
  Object.defineProperty(last, 'stormwatch', { value: info, configurable: true, enumerable: false, writable: false });
  return last;
}

/**
 * Why retries ran out, when `error` is the SDK error a `resilient()` call rejected with after
 * its last retry; undefined for any other error.
 *
 * @example
 * catch (e) {
 *   if (e instanceof Anthropic.RateLimitError) log.warn('rate limited', retriesExhaustedInfo(e));
 * }
 */
export function retriesExhaustedInfo(error: unknown): RetriesExhaustedInfo | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const info = (error as { stormwatch?: unknown }).stormwatch;
  if (typeof info !== 'object' || info === null) return undefined;
  const { reason, attempts } = info as Partial<RetriesExhaustedInfo>;
  return typeof reason === 'string' && typeof attempts === 'number' ? { reason, attempts } : undefined;
}
