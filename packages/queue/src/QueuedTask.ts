import type { TaskState } from './TaskState.js';

/** Why a task went to `dead`, when the drain sent it there. */
export type DeadReason =
  /** Its error is not worth retrying (HTTP 400, 401, 403, 404, 413, 422): the request itself is wrong. */
  | 'non_retryable'
  /** Its deadline passed before it could run, or while it ran. */
  | 'deadline_passed'
  /** It was attempted `maxAttempts` times (runs that died with their process count). */
  | 'max_attempts';

/**
 * A deferred call as the queue keeps it. All times are in milliseconds of the queue's clock
 * (the policy's clock: epoch milliseconds with the system clock).
 */
export interface QueuedTask {
  /**
   * Stable id (a UUID) given when the call was deferred; the same on every attempt, so a
   * handler can use it as an idempotency key.
   */
  readonly id: string;
  readonly state: TaskState;
  /** The policy's id of the call that was deferred. */
  readonly callId: number;
  /** The policy (`stormwatch.policy`) that deferred it. */
  readonly policy: string;
  /** The model the call asked for. */
  readonly model: string;
  /** The error class that made the policy defer (`error.type`, e.g. `overloaded_error`). */
  readonly reason: string;
  /**
   * What the call site gave as the payload (with `resilient()`, the request body), as it
   * comes back from JSON: `undefined` members dropped, dates as strings.
   */
  readonly payload: unknown;
  /** When the call was deferred. */
  readonly deferredAt: number;
  /** The call's original deadline; `undefined` when it had none. */
  readonly deadlineAt?: number;
  /** Times the task was claimed to run (a claim whose process died counts). */
  readonly attempts: number;
  /** When a `pending` or `failed` task is due. */
  readonly nextRunAt: number;
  /** Until when the drain that claimed a `running` task holds it. */
  readonly leaseUntil?: number;
  /** The last attempt's error (name and message), if any attempt failed. */
  readonly lastError?: string;
  /** Why a `dead` task is dead. */
  readonly deadReason?: string;
  /** When the task last changed state. */
  readonly updatedAt: number;
}

/** A task a drain claimed: `running`, with the lease that proves it holds it. */
export interface ClaimedTask extends QueuedTask {
  readonly state: 'running';
  /** Proves this claim: `fail`, `release` and `extend` with another token do nothing. */
  readonly leaseToken: string;
  readonly leaseUntil: number;
}

/** Tasks per state. */
export type TaskCounts = Readonly<Record<TaskState, number>>;

/** What becomes of a task whose attempt failed: retried at a time, or kept for a human. */
export type FailOutcome = { readonly retryAt: number } | { readonly dead: string };
