/** The caller's `AbortSignal` ended the call; `cause` is the signal's reason. */
export class CallAbortedError extends Error {
  readonly isCallAbortedError = true;
  override readonly name = 'CallAbortedError';

  constructor(
    readonly attempts: number,
    options?: ErrorOptions,
  ) {
    super(`call aborted by the caller after ${attempts} attempt(s)`, options);
  }
}

/** True for a {@link CallAbortedError}, from any copy of this package. */
export function isCallAbortedError(error: unknown): error is CallAbortedError {
  return typeof error === 'object' && error !== null && (error as { isCallAbortedError?: unknown }).isCallAbortedError === true;
}
