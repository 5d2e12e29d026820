import type { DeferReceipt } from '../abandon/Deferrer.js';

/**
 * The call was handed to a `Deferrer` to run later instead of retrying now. Not a
 * failure of the work: `receipt` identifies the deferred task.
 */
export class CallDeferredError extends Error {
  readonly isCallDeferredError = true;
  override readonly name = 'CallDeferredError';

  constructor(
    readonly receipt: DeferReceipt,
    options?: ErrorOptions,
  ) {
    super(`call deferred as ${receipt.id}`, options);
  }
}

/** True for a {@link CallDeferredError}, from any copy of this package. */
export function isCallDeferredError(error: unknown): error is CallDeferredError {
  return typeof error === 'object' && error !== null && (error as { isCallDeferredError?: unknown }).isCallDeferredError === true;
}
