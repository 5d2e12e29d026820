import { AnthropicError } from '@anthropic-ai/sdk';

/**
 * A stream broke after some of its content had reached the caller, so it could not be
 * retried transparently. `cause` is what broke it; `billed` the tokens already billed for
 * the thrown-away result (counted as billed waste).
 *
 * It extends the SDK's `AnthropicError`, so code that catches the SDK's errors catches it,
 * and `messages.stream()`'s `MessageStream` passes it through unwrapped.
 */
export class StreamInterruptedError extends AnthropicError {
  readonly isStreamInterruptedError = true;
  override readonly name = 'StreamInterruptedError';

  constructor(
    readonly deliveredEvents: number,
    readonly billed: { readonly inputTokens: number; readonly outputTokens: number },
    options?: ErrorOptions,
  ) {
    super(`stream interrupted after ${deliveredEvents} delivered event(s): ${options?.cause instanceof Error ? options.cause.message : String(options?.cause)}`, options);
  }
}

/** True for a {@link StreamInterruptedError}, from any copy of this package. */
export function isStreamInterruptedError(error: unknown): error is StreamInterruptedError {
  return typeof error === 'object' && error !== null && (error as { isStreamInterruptedError?: unknown }).isStreamInterruptedError === true;
}
