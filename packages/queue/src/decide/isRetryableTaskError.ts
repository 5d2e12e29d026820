/**
 * HTTP statuses that say the request itself is wrong (ARCHITECTURE.md's classification
 * table): running it again later cannot succeed.
 */
const NEVER_RETRIED: ReadonlySet<number> = new Set([400, 401, 403, 404, 413, 422]);

/** How deep to look into `cause` for a status (a policy's error wraps the attempt's). */
const MAX_CAUSE_DEPTH = 5;

/**
 * Is a failed task worth running again later? No when the error, or the first error of its
 * `cause` chain that has a numeric `status` (the SDK's `APIError`; the `cause` of a core
 * `RetriesExhaustedError` or `DeadlineExceededError`), is 400, 401, 403, 404, 413 or 422.
 * Anything else — 529, 429, 5xx, a connection error, the policy giving up for now
 * (`RetriesExhaustedError`, `DeadlineExceededError`, a refused admission, an open breaker),
 * an error without a status — is worth retrying: the drain's `maxAttempts` and the task's
 * deadline bound it. Reads `status` only, never `instanceof`, so it works with any copy of
 * the SDK. Pure.
 */
export function isRetryableTaskError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth++) {
    const status = (current as { status?: unknown }).status;
    if (typeof status === 'number') return !NEVER_RETRIED.has(status);
    current = (current as { cause?: unknown }).cause;
  }
  return true;
}
