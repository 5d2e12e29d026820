import { DelaySource, ErrorType, FallbackReason } from '@stormwatch/conventions';
import type { Classification } from '../Classification.js';
import type { RetriesExhaustedReason } from '../errors/RetriesExhaustedError.js';
import { retryDelay } from './retryDelay.js';

/** What the policy does after a failed attempt. */
export type FailureDecision =
  /** Not retryable: the attempt's error goes to the caller unchanged. */
  | { readonly kind: 'fatal' }
  /** Hedged abandonment, far deadline: hand the work to the deferrer instead of retrying now. */
  | { readonly kind: 'defer' }
  /** Out of attempts, of the class's own retries, or of total wait. */
  | { readonly kind: 'exhausted'; readonly reason: RetriesExhaustedReason }
  /** Try `model` at once: the next one after repeated overloads, or the cheapest one when the deadline is near. */
  | { readonly kind: 'fallback'; readonly model: string; readonly reason: FallbackReason }
  /** The wait cannot fit before the deadline and there is nowhere to fall back to. */
  | { readonly kind: 'deadline' }
  /** Wait, then retry the same model (if its retry budget allows). */
  | { readonly kind: 'retry'; readonly delayMs: number; readonly source: DelaySource };

/** The policy's rules that bear on the decision (its options, resolved to defaults). */
export interface DecisionRules {
  readonly maxAttempts: number;
  readonly maxRetryAfterMs: number;
  readonly maxTotalDelayMs: number;
  /** Overloads on one model before moving to the next. */
  readonly afterOverloads: number;
  /** Whether hedged abandonment is on (falls back to the cheapest model when time is short). */
  readonly abandon: boolean;
  readonly fallbackIfRemainingMs: number;
  readonly deferIfRemainingMs: number;
  /**
   * Admission control is on: an overload, or a rate limit with `retry-after`, is retried
   * through the model's admission queue (which paces it) instead of after a backoff, and
   * such retries are bounded by the deadline and the total delay, not by `maxAttempts`.
   */
  readonly admission: boolean;
}

/** True when admission, not a backoff, paces the retry after `c`. */
export function pacedByAdmission(c: Classification, rules: Pick<DecisionRules, 'admission'>): boolean {
  return rules.admission && (c.overload || (c.errorType === ErrorType.RATE_LIMIT && c.retryAfterMs !== undefined));
}

/** Where the call stands when an attempt failed. */
export interface FailureFacts {
  readonly classification: Classification;
  readonly now: number;
  /** Attempts made, the failed one included. */
  readonly attempt: number;
  /** Overload failures on the current model, the failed attempt included. */
  readonly overloads: number;
  /** Retries this error class has used on this call (for classes with `maxRetries`). */
  readonly classRetriesUsed: number;
  /** Time waited between attempts so far. */
  readonly waitedMs: number;
  readonly deadlineAt: number | undefined;
  /** The failed attempt's model. */
  readonly model: string;
  /** The model after it in the chain, if any. */
  readonly nextModel: string | undefined;
  /** The chain's last model when the chain has several, the target of a deadline fallback. */
  readonly cheapestModel: string | undefined;
  /** A deferrer is configured, the call site gave a payload, and no deferral failed yet for this failure. */
  readonly canDefer: boolean;
}

/**
 * Decides what follows a failed attempt, in the order the policy documents: fatal errors,
 * deferral, attempt and class limits, overload fallback, then the wait and whether it fits
 * the deadline (else the cheapest model, else the deadline error) and the total delay.
 * With admission on, overloads are paced by the model's admission queue instead
 * ({@link pacedByAdmission}).
 * Pure: `drawJitter` is the only source of randomness, called at most once.
 */
export function decideAfterFailure(facts: FailureFacts & { readonly canDefer: false }, rules: DecisionRules, drawJitter: () => number): Exclude<FailureDecision, { kind: 'defer' }>;
export function decideAfterFailure(facts: FailureFacts, rules: DecisionRules, drawJitter: () => number): FailureDecision;
export function decideAfterFailure(facts: FailureFacts, rules: DecisionRules, drawJitter: () => number): FailureDecision {
  const c = facts.classification;
  if (!c.retryable) return { kind: 'fatal' };
  const remaining = facts.deadlineAt === undefined ? Number.POSITIVE_INFINITY : facts.deadlineAt - facts.now;
  if (facts.canDefer && remaining >= rules.deferIfRemainingMs) return { kind: 'defer' };
  const paced = pacedByAdmission(c, rules);
  if (!paced && facts.attempt >= rules.maxAttempts) return { kind: 'exhausted', reason: 'max_attempts' };
  if (c.maxRetries !== undefined && facts.classRetriesUsed >= c.maxRetries) return { kind: 'exhausted', reason: 'class_limit' };
  if (c.overload && facts.nextModel !== undefined && facts.overloads >= rules.afterOverloads) {
    return { kind: 'fallback', model: facts.nextModel, reason: FallbackReason.OVERLOADED };
  }

  // Paced: no wait of its own; the admission queue holds the retry until the model has a slot.
  const delay = paced ? { ms: 0, source: DelaySource.NONE } : retryDelay(c, drawJitter, rules.maxRetryAfterMs);
  const wontFit = facts.deadlineAt !== undefined && facts.now + delay.ms >= facts.deadlineAt;
  const tight = rules.abandon && remaining < rules.fallbackIfRemainingMs;
  if ((wontFit || tight) && rules.abandon && facts.cheapestModel !== undefined && facts.cheapestModel !== facts.model) {
    return { kind: 'fallback', model: facts.cheapestModel, reason: FallbackReason.DEADLINE };
  }
  if (wontFit) return { kind: 'deadline' };
  if (facts.waitedMs + delay.ms > rules.maxTotalDelayMs) return { kind: 'exhausted', reason: 'max_total_delay' };
  return { kind: 'retry', delayMs: delay.ms, source: delay.source };
}
