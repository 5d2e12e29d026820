/**
 * Where a deferred task is in its life:
 *
 * ```text
 *            claim                 handler ok
 * pending ─────────► running ─────────────────► done
 *    ▲                │  │  handler failed, retryable: retry at next_run_at
 *    │                │  └──────────────────────► failed ──(due: claim)──► running
 *    │ retry(id)      │   not retryable, deadline passed, too many attempts
 *    └──── dead ◄─────┘
 * ```
 *
 * - `pending`: waiting to run; due at `nextRunAt` (the time it was deferred).
 * - `running`: claimed by a drain that holds a lease until `leaseUntil`. A lease that
 *   expires (the drain's process died, or hangs) makes the task claimable again: that is
 *   what makes a SIGKILL in the middle of a drain safe.
 * - `done`: the handler succeeded. Kept until purged.
 * - `failed`: the last attempt failed with an error worth retrying; the task **will be
 *   retried** by itself once `nextRunAt` comes.
 * - `dead`: **kept for a human**; never run again by itself: its error is not retryable
 *   (400, 401, 403, 404, 413, 422), its deadline passed, or it used up its attempts.
 *   `retry(id)` puts it back to `pending`; `purge({ state: 'dead' })` drops it.
 */
export const TaskState = Object.freeze({
  PENDING: 'pending',
  RUNNING: 'running',
  DONE: 'done',
  FAILED: 'failed',
  DEAD: 'dead',
} as const);

export type TaskState = (typeof TaskState)[keyof typeof TaskState];

/** Every state, in the order of the life of a task. */
export const TASK_STATES: readonly TaskState[] = Object.freeze(Object.values(TaskState));

/** True for one of the five {@link TaskState} values. */
export function isTaskState(value: unknown): value is TaskState {
  return typeof value === 'string' && (TASK_STATES as readonly string[]).includes(value);
}
