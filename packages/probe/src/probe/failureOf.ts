import { createClassifier } from '@stormwatch/anthropic';
import { ErrorType } from '@stormwatch/conventions';
import { isAdmissionRefusedError, isCircuitOpenError, isDeadlineExceededError, isRetriesExhaustedError, isRetryBudgetExhaustedError } from '@stormwatch/core';

const classify = createClassifier();

/** What a failed probe tells: the key was rejected (stop), or the API failed with an error class. */
export type ProbeFailure = { readonly kind: 'key_rejected'; readonly status: 401 | 403 } | { readonly kind: 'failed'; readonly errorType: ErrorType };

/** The HTTP status of an SDK error, read by shape (never `instanceof` across copies of the SDK). */
function statusOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
}

/**
 * Reads the error a probe call ended with: the policy's own refusals by their brand, its
 * "gave up" by the last attempt's error, anything else through `@stormwatch/anthropic`'s
 * classifier, so `error.type` is the contract's. A 401 or 403 is a key problem.
 */
export function failureOf(error: unknown): ProbeFailure {
  if (isRetriesExhaustedError(error)) return failureOf(error.cause);
  const status = statusOf(error);
  if (status === 401 || status === 403) return { kind: 'key_rejected', status };
  if (isCircuitOpenError(error)) return { kind: 'failed', errorType: ErrorType.CIRCUIT_OPEN };
  if (isRetryBudgetExhaustedError(error)) return { kind: 'failed', errorType: ErrorType.BUDGET_EXHAUSTED };
  if (isDeadlineExceededError(error)) return { kind: 'failed', errorType: ErrorType.DEADLINE_EXCEEDED };
  if (isAdmissionRefusedError(error)) return { kind: 'failed', errorType: error.reason === 'queue_full' ? ErrorType.QUEUE_FULL : ErrorType.DEADLINE_EXCEEDED };
  return { kind: 'failed', errorType: classify(error).errorType };
}
