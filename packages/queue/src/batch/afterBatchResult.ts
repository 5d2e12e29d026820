import type { DeadReason } from '../QueuedTask.js';
import type { BatchResultLine } from './BatchClient.js';

/** What becomes of a task a batch held, once the batch ended. */
export type BatchResultDecision =
  /** Its request succeeded: the result handler gets the message, then the task is `done`. */
  | { readonly kind: 'done' }
  /** Errored with a retryable type: `failed`, due at once (another try by a drain or the next batch). */
  | { readonly kind: 'retry'; readonly error: string }
  /** Not processed (expired, canceled, or missing from the results): `pending` again, the attempt not counted. */
  | { readonly kind: 'release'; readonly why: 'expired' | 'canceled' | 'missing' }
  /** Kept for a human. */
  | { readonly kind: 'dead'; readonly reason: DeadReason; readonly error: string };

/**
 * Decides in this order: a success is done (even past the deadline: the answer is here and
 * paid for); a deadline that passed is `dead`; an error of a retryable type (by default
 * `overloaded_error`, `api_error`, `rate_limit_error`, `timeout_error`) is retried, any other
 * (`invalid_request_error`, `authentication_error`, `permission_error`...) is `dead`
 * (`non_retryable`); a request the batch did not process (expired, canceled, no line for it)
 * goes back to `pending`. Pure.
 */
export function decideAfterBatchResult(
  result: BatchResultLine['result'] | undefined,
  task: { readonly deadlineAt?: number },
  now: number,
  retryable: (errorType: string) => boolean,
): BatchResultDecision {
  if (result?.type === 'succeeded') return { kind: 'done' };
  const error = result === undefined ? 'no result for the task in its batch' : result.type === 'errored' ? `${result.error.error.type}: ${result.error.error.message}` : `batch request ${result.type}`;
  if (task.deadlineAt !== undefined && now >= task.deadlineAt) return { kind: 'dead', reason: 'deadline_passed', error };
  if (result?.type === 'errored') return retryable(result.error.error.type) ? { kind: 'retry', error } : { kind: 'dead', reason: 'non_retryable', error };
  return { kind: 'release', why: result === undefined ? 'missing' : result.type };
}
