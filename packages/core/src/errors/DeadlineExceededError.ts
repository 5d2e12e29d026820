/** The call's deadline passed, or the next wait would not fit before it; `cause` is the last error. */
export class DeadlineExceededError extends Error {
  readonly isDeadlineExceededError = true;
  override readonly name = 'DeadlineExceededError';

  constructor(
    readonly deadlineMs: number,
    readonly attempts: number,
    options?: ErrorOptions,
  ) {
    super(`call deadline of ${deadlineMs} ms exceeded after ${attempts} attempt(s)`, options);
  }
}

/** True for a {@link DeadlineExceededError}, from any copy of this package. */
export function isDeadlineExceededError(error: unknown): error is DeadlineExceededError {
  return typeof error === 'object' && error !== null && (error as { isDeadlineExceededError?: unknown }).isDeadlineExceededError === true;
}
