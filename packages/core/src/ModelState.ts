import type { CircuitBreaker } from './breaker/CircuitBreaker.js';
import type { RetryBudget } from './budget/RetryBudget.js';
import type { CallInfo } from './events.js';
import type { AimdLimiter } from './limiter/AimdLimiter.js';

/** What a policy keeps per model; a part is absent when the policy has it turned off. */
export interface ModelState {
  /** Transitions name the call that caused them. */
  readonly breaker: CircuitBreaker<CallInfo> | undefined;
  readonly budget: RetryBudget | undefined;
  readonly limiter: AimdLimiter | undefined;
}

/** The breaker's verdict on a finished attempt. */
export type BreakerVerdict = 'success' | 'failure' | 'none';

/**
 * What a failed attempt tells the breaker: a retryable failure counts against the model;
 * a non-retryable error with a status means the model answered (it is healthy, the request
 * was not); anything else (an abort, an unreadable error) is no verdict.
 */
export function verdictOfFailure(classification: { readonly retryable: boolean; readonly status?: number } | undefined): BreakerVerdict {
  if (classification === undefined) return 'none';
  if (classification.retryable) return 'failure';
  return classification.status !== undefined ? 'success' : 'none';
}
