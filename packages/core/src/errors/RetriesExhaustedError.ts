/** Why the policy stopped retrying a retryable error. */
export type RetriesExhaustedReason = 'max_attempts' | 'class_limit' | 'max_total_delay';

/** Every allowed attempt failed with a retryable error; `cause` is the last attempt's error. */
export class RetriesExhaustedError extends Error {
  readonly isRetriesExhaustedError = true;
  override readonly name = 'RetriesExhaustedError';

  constructor(
    readonly attempts: number,
    readonly reason: RetriesExhaustedReason,
    options?: ErrorOptions,
  ) {
    super(`gave up after ${attempts} attempt(s) (${reason})`, options);
  }
}

/** True for a {@link RetriesExhaustedError}, from any copy of this package. */
export function isRetriesExhaustedError(error: unknown): error is RetriesExhaustedError {
  return typeof error === 'object' && error !== null && (error as { isRetriesExhaustedError?: unknown }).isRetriesExhaustedError === true;
}
