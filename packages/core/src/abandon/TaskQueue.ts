import type { Clock } from '../clock/Clock.js';
import type { Deferrer } from './Deferrer.js';

// The contract of a durable deferral queue, as types only: `@stormwatch/queue` (SQLite, and
// `drainDeferred`) and `@stormwatch/redis` (the fleet's queue) both implement or consume it,
// and neither may depend on the other (the queue's CLI is to open a Redis queue; the Redis
// package must not pull in SQLite). It lives beside `Deferrer`, which it extends. The
// queue package re-exports these types; the Redis package's tests run the queue package's
// conformance suite and `drainDeferred` against the Redis queue.

/** Where a deferred task is in its life: see `TaskState` in `@stormwatch/queue`. */
export type TaskState = 'pending' | 'running' | 'done' | 'failed' | 'dead';

/**
 * A deferred call as a durable queue keeps it. All times are in milliseconds of the queue's clock
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
  /** W3C `traceparent` of the deferred call's span, when it was traced: the drain's span links to it. */
  readonly traceparent?: string;
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

/** Names the claim a `fail`, `release` or `extend` acts for. */
export interface LeaseRef {
  readonly leaseToken: string;
}

/**
 * What `drainDeferred` (`@stormwatch/queue`) needs of a durable queue: claim due tasks under a lease, and
 * settle each. `SqliteDeferrer` (`@stormwatch/queue`) and `RedisDeferrer` (`@stormwatch/redis`) implement it.
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

/** A claim to hand over: a task id and the lease token that holds it now. */
export interface HeldTaskRef {
  readonly id: string;
  readonly leaseToken: string;
}

/**
 * What a queue offers for work that leaves the process for hours (a Message Batch, in
 * `@stormwatch/queue`'s `batchDeferred`) and must be found again by a process that started
 * after the one that sent it: a claim handed over to a named holder, stored as the tasks'
 * lease token. `SqliteDeferrer` and `RedisDeferrer` implement it; it is optional for other
 * queues (the batch target checks for it).
 */
export interface HandOverQueue {
  /**
   * Hands `running` tasks, each held by the claim its `leaseToken` names, to `holder` (e.g.
   * `batch:msgbatch_…`) until `leaseUntil` (ms of the queue's clock): `holder` becomes their
   * lease token, so `fail`, `release` and `extend` with `{ leaseToken: holder }` settle them,
   * and no other drain claims them before `leaseUntil`. Resolves with the ids handed over; a
   * task whose claim is no longer held (its lease expired and another drain took it) is left
   * as it is.
   */
  handOver(tasks: readonly HeldTaskRef[], holder: string, leaseUntil: number): Promise<string[]>;
  /**
   * The `running` tasks whose lease token starts with `prefix`, each with its lease, in the
   * order they were deferred; at most `limit` (defaults to 100 000).
   */
  heldBy(prefix: string, limit?: number): Promise<ClaimedTask[]>;
}
