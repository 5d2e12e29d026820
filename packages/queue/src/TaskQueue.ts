import type { Clock, Deferrer } from '@stormwatch/core';
import type { ClaimedTask, FailOutcome, QueuedTask, TaskCounts } from './QueuedTask.js';
import type { TaskState } from './TaskState.js';

/** Names the claim a `fail`, `release` or `extend` acts for. */
export interface LeaseRef {
  readonly leaseToken: string;
}

/**
 * What {@link drainDeferred} needs of a durable queue: claim due tasks under a lease, and
 * settle each. `SqliteDeferrer` implements it; a Redis queue would implement the same.
 */
export interface DrainableQueue {
  /** The clock the queue's times are in. */
  readonly clock: Clock;
  /**
   * Moves up to `limit` due tasks to `running` under a lease of `leaseMs`: `pending` and
   * `failed` tasks whose `nextRunAt` has come, and `running` tasks whose lease expired.
   * Each claim counts one attempt. Oldest due first.
   */
  claim(limit: number, leaseMs: number): Promise<ClaimedTask[]>;
  /**
   * Marks the task `done`, whatever state it is in (the work succeeded, even if its lease
   * expired meanwhile). False when it was already done (a duplicate run).
   * Rejects with `TaskNotFoundError` for an unknown id.
   */
  complete(id: string): Promise<boolean>;
  /**
   * Records a failed attempt of a `running` task: `failed` to be retried at `retryAt`, or
   * `dead` with the reason. False (and nothing changed) when the task is not running, or
   * when `lease` is given and another claim holds the task now.
   */
  fail(id: string, error: unknown, outcome: FailOutcome, lease?: LeaseRef): Promise<boolean>;
  /** Puts a `running` task the lease holds back to `pending`, its attempt not counted. */
  release(id: string, lease: LeaseRef): Promise<boolean>;
  /** Extends the lease of a `running` task by `leaseMs` from now; false when it is no longer held. */
  extend(id: string, lease: LeaseRef, leaseMs: number): Promise<boolean>;
  /** When the next task will be claimable (a due time, or a lease's end); `undefined` when none is waiting. */
  nextDueAt(): Promise<number | undefined>;
}

/** Options of {@link TaskQueue.list}. */
export interface ListOptions {
  /** Only tasks in this state. Defaults to every state. */
  state?: TaskState;
  /** At most this many tasks, oldest first. Defaults to 100. */
  limit?: number;
}

/** A durable {@link Deferrer}: drainable, and open to inspection and to a human's hand. */
export interface TaskQueue extends Deferrer, DrainableQueue {
  /** One task, or `undefined`. */
  get(id: string): Promise<QueuedTask | undefined>;
  /** Tasks in the order they were deferred. */
  list(options?: ListOptions): Promise<QueuedTask[]>;
  /** Tasks per state. */
  counts(): Promise<TaskCounts>;
  /** Age of the oldest task still to do (`pending`, `failed` or `running`) in ms; `undefined` when none. */
  oldestPendingAgeMs(): Promise<number | undefined>;
  /**
   * By hand: a `dead` (or `failed`) task back to `pending`, due now, its attempts reset.
   * False when the task is in another state. Rejects with `TaskNotFoundError` for an unknown id.
   */
  retry(id: string): Promise<boolean>;
  /** Deletes every task in `state` (not `running`: a drain holds those); returns how many. */
  purge(options: { state: Exclude<TaskState, 'running'> }): Promise<number>;
  close(): Promise<void>;
}
