import type { DeadReason } from '../QueuedTask.js';
import { taskRetryDelay, type TaskBackoff } from './taskRetryDelay.js';

/** What becomes of a task whose handler failed. */
export type TaskFailureDecision =
  /** The drain is stopping: back to `pending`, the attempt not counted. */
  | { readonly kind: 'release' }
  /** Kept for a human. */
  | { readonly kind: 'dead'; readonly reason: DeadReason }
  /** `failed`, due again at `retryAt`. */
  | { readonly kind: 'retry'; readonly retryAt: number };

/** What is known when a handler fails. */
export interface TaskFailureFacts {
  /** Attempts so far, this one included. */
  readonly attempts: number;
  readonly deadlineAt?: number;
  readonly now: number;
  /** What the drain's `retryable` said of the error. */
  readonly retryable: boolean;
  /** The drain was told to stop before the handler failed (the failure may be the stop itself). */
  readonly stopping: boolean;
}

/** The drain's limits. */
export interface TaskFailureRules {
  readonly maxAttempts: number;
  readonly backoff: TaskBackoff;
}

/**
 * Decides in this order: a stopping drain releases the task (the failure may be its own
 * abort; the task must not be lost nor charged for it); an error that is not retryable, a
 * deadline that passed, or the last allowed attempt sends it to `dead`; otherwise it is
 * retried after a full-jitter backoff. Pure: `random` is called at most once.
 */
export function decideAfterTaskFailure(facts: TaskFailureFacts, rules: TaskFailureRules, random: () => number): TaskFailureDecision {
  if (facts.stopping) return { kind: 'release' };
  if (!facts.retryable) return { kind: 'dead', reason: 'non_retryable' };
  if (facts.deadlineAt !== undefined && facts.now >= facts.deadlineAt) return { kind: 'dead', reason: 'deadline_passed' };
  if (facts.attempts >= rules.maxAttempts) return { kind: 'dead', reason: 'max_attempts' };
  return { kind: 'retry', retryAt: facts.now + taskRetryDelay(facts.attempts, rules.backoff, random) };
}
