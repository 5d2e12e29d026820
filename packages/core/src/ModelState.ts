import { ErrorType } from '@stormwatch/conventions';
import type { ModelAdmission } from './admission/ModelAdmission.js';
import type { CircuitBreaker } from './breaker/CircuitBreaker.js';
import type { Classification } from './Classification.js';
import type { Budget } from './budget/Budget.js';
import type { CallInfo } from './events.js';
import type { AimdLimiter } from './limiter/AimdLimiter.js';

/** What a policy keeps per model; a part is absent when the policy has it turned off. */
export interface ModelState {
  /** Transitions name the call that caused them. */
  readonly breaker: CircuitBreaker<CallInfo> | undefined;
  readonly budget: Budget | undefined;
  readonly limiter: AimdLimiter | undefined;
  /** Admission control; absent when turned off. */
  readonly admission: ModelAdmission | undefined;
  /** Moving average of the time from admission to an answer, in ms (0 until one is seen). */
  serviceTimeMs: number;
}

/** Weight of the newest sample in the service-time average. */
const SERVICE_TIME_WEIGHT = 0.2;

/** Folds one answered attempt's duration into the model's service-time average. */
export function observeServiceTime(state: ModelState, durationMs: number): void {
  state.serviceTimeMs = state.serviceTimeMs === 0 ? durationMs : state.serviceTimeMs + SERVICE_TIME_WEIGHT * (durationMs - state.serviceTimeMs);
}

/** The breaker's verdict on a finished attempt. */
export type BreakerVerdict = 'success' | 'failure' | 'none';

/**
 * What a failed attempt tells the breaker: a retryable failure counts against the model;
 * a non-retryable error with a status means the model answered (it is healthy, the request
 * was not); anything else (an abort, an unreadable error) is no verdict. With admission
 * control on, an overload or a rate limit is no verdict either: the model is busy, not
 * down, and admission paces it.
 */
export function verdictOfFailure(classification: Classification | undefined, admission: boolean): BreakerVerdict {
  if (classification === undefined) return 'none';
  if (admission && (classification.overload || classification.errorType === ErrorType.RATE_LIMIT)) return 'none';
  if (classification.retryable) return 'failure';
  return classification.status !== undefined ? 'success' : 'none';
}
