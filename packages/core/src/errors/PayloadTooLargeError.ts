/**
 * `defer()` refused a payload larger than the queue's `maxPayloadBytes`. The policy then
 * goes on as if it had no deferrer (it retries or fails the call, and reports the refusal
 * through `onDeferFailed`).
 */
export class PayloadTooLargeError extends Error {
  readonly isPayloadTooLargeError = true;
  override readonly name = 'PayloadTooLargeError';

  constructor(
    /** Size of the payload as JSON, in UTF-8 bytes. */
    readonly bytes: number,
    /** The limit, in bytes. */
    readonly maxBytes: number,
    options?: ErrorOptions,
  ) {
    super(`deferred payload is ${bytes} bytes as JSON, over the queue's maxPayloadBytes of ${maxBytes}`, options);
  }
}

/** True for a {@link PayloadTooLargeError}, from any copy of this package (any durable queue's). */
export function isPayloadTooLargeError(error: unknown): error is PayloadTooLargeError {
  return typeof error === 'object' && error !== null && (error as { isPayloadTooLargeError?: unknown }).isPayloadTooLargeError === true;
}
