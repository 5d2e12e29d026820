/** Why a task went to `dead`, when the drain sent it there. */
export type DeadReason =
  /** Its error is not worth retrying (HTTP 400, 401, 403, 404, 413, 422): the request itself is wrong. */
  | 'non_retryable'
  /** Its deadline passed before it could run, or while it ran. */
  | 'deadline_passed'
  /** It was attempted `maxAttempts` times (runs that died with their process count). */
  | 'max_attempts';

/** The task types are the contract every durable queue shares, defined beside core's `Deferrer`. */
export type { ClaimedTask, FailOutcome, QueuedTask, TaskCounts } from '@stormwatch/core';
