/** A retry was due, but the retry budget of its key is spent; `cause` is the last attempt's error. */
export class RetryBudgetExhaustedError extends Error {
  readonly isRetryBudgetExhaustedError = true;
  override readonly name = 'RetryBudgetExhaustedError';

  constructor(
    readonly key: string,
    readonly attempts: number,
    options?: ErrorOptions,
  ) {
    super(`retry budget for ${key} is exhausted after ${attempts} attempt(s)`, options);
  }
}

/** True for a {@link RetryBudgetExhaustedError}, from any copy of this package. */
export function isRetryBudgetExhaustedError(error: unknown): error is RetryBudgetExhaustedError {
  return typeof error === 'object' && error !== null && (error as { isRetryBudgetExhaustedError?: unknown }).isRetryBudgetExhaustedError === true;
}
