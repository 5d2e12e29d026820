import { randomUUID } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { describeTaskError, encodeTaskPayload, isTraceparent, systemClock, TaskNotFoundError, type Clock, type DeferReceipt, type DeferredTask } from '@stormwatch/core';
import { toClaimedTask, toTask, type TaskRow } from './internal/rows.js';
import { openQueueDatabase } from './internal/schema.js';
import type { ClaimedTask, FailOutcome, QueuedTask, TaskCounts } from './QueuedTask.js';
import type { HandOverQueue, HeldTaskRef, LeaseRef, ListOptions, TaskQueue } from './TaskQueue.js';
import { isTaskState, TASK_STATES, TaskState } from './TaskState.js';

/** Options of {@link sqliteDeferrer}. */
export interface SqliteDeferrerOptions {
  /**
   * The queue file, created if missing (its directory must exist). Every process that
   * defers or drains names the same file, on one machine's local volume (not NFS: SQLite's
   * locks need a local file system). `':memory:'` makes a queue that is lost on exit.
   */
  path: string;
  /**
   * Largest payload `defer()` accepts, in UTF-8 bytes of its JSON. Defaults to 1 MiB
   * (1 048 576). A larger one is refused with `PayloadTooLargeError`, and the policy goes
   * on as if it had no deferrer.
   */
  maxPayloadBytes?: number;
  /** Where the queue reads time (due times, leases, ages). Defaults to the system clock; give the policy's. */
  clock?: Clock;
  /** How long a statement waits for another process's transaction on the file, in ms. Defaults to 5 s. */
  busyTimeoutMs?: number;
}

const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
const DEFAULT_LIST_LIMIT = 100;
/** States a task waits in before it is done or dead. */
const WAITING = `('pending', 'failed', 'running')`;

const SQL = {
  insert: `INSERT INTO tasks (id, state, call_id, policy, model, reason, payload, deferred_at, deadline_at, attempts, next_run_at, updated_at, traceparent)
           VALUES (:id, 'pending', :callId, :policy, :model, :reason, :payload, :deferredAt, :deadlineAt, 0, :deferredAt, :now, :traceparent)`,
  claim: `UPDATE tasks SET state = 'running', attempts = attempts + 1, lease_token = lower(hex(randomblob(16))), lease_until = :until, updated_at = :now
          WHERE seq IN (SELECT seq FROM tasks
                        WHERE (state IN ('pending', 'failed') AND next_run_at <= :now) OR (state = 'running' AND lease_until <= :now)
                        ORDER BY next_run_at, seq LIMIT :limit)
          RETURNING *`,
  complete: `UPDATE tasks SET state = 'done', lease_token = NULL, lease_until = NULL, dead_reason = NULL, updated_at = :now WHERE id = :id AND state <> 'done'`,
  fail: `UPDATE tasks SET state = :state, next_run_at = coalesce(:retryAt, next_run_at), last_error = :error, dead_reason = :deadReason,
                          lease_token = NULL, lease_until = NULL, updated_at = :now
         WHERE id = :id AND state = 'running' AND (:token IS NULL OR lease_token = :token)`,
  release: `UPDATE tasks SET state = 'pending', attempts = max(attempts - 1, 0), lease_token = NULL, lease_until = NULL, updated_at = :now
            WHERE id = :id AND state = 'running' AND lease_token = :token`,
  extend: `UPDATE tasks SET lease_until = :until WHERE id = :id AND state = 'running' AND lease_token = :token`,
  handOver: `UPDATE tasks SET lease_token = :holder, lease_until = :until, updated_at = :now WHERE id = :id AND state = 'running' AND lease_token = :token`,
  heldBy: `SELECT * FROM tasks WHERE state = 'running' AND substr(lease_token, 1, length(:prefix)) = :prefix ORDER BY seq LIMIT :limit`,
  retry: `UPDATE tasks SET state = 'pending', attempts = 0, next_run_at = :now, dead_reason = NULL, lease_token = NULL, lease_until = NULL, updated_at = :now
          WHERE id = :id AND state IN ('dead', 'failed')`,
  purge: `DELETE FROM tasks WHERE state = :state`,
  exists: `SELECT 1 AS found FROM tasks WHERE id = :id`,
  get: `SELECT * FROM tasks WHERE id = :id`,
  listAll: `SELECT * FROM tasks ORDER BY seq LIMIT :limit`,
  listState: `SELECT * FROM tasks WHERE state = :state ORDER BY seq LIMIT :limit`,
  counts: `SELECT state, count(*) AS n FROM tasks GROUP BY state`,
  oldest: `SELECT min(deferred_at) AS at FROM tasks WHERE state IN ${WAITING}`,
  nearestDeadline: `SELECT min(deadline_at) AS at FROM tasks WHERE state IN ${WAITING}`,
  nextDue: `SELECT min(CASE state WHEN 'running' THEN lease_until ELSE next_run_at END) AS at FROM tasks WHERE state IN ${WAITING}`,
} as const;

type Statements = { readonly [K in keyof typeof SQL]: StatementSync };

/**
 * A durable `Deferrer` on SQLite through Node's built-in `node:sqlite` (no native addon):
 * deferred calls survive a restart, and {@link drainDeferred} runs them later. One file on
 * one machine; several processes may share it (SQLite serialises their writes).
 *
 * Each state change is one SQL statement, hence one transaction, in a write-ahead log with
 * `synchronous = FULL`. What is stored is what the policy hands over — the call site's
 * payload (with `resilient()`, the request body: no headers, no API key), the model, the
 * policy's name, the reason, the deadline and the call's W3C traceparent (when it was traced) — plus the task's state.
 *
 * @example
 * const deferrer = sqliteDeferrer({ path: '/var/lib/my-job/deferred.db' });
 * const client = resilient(new Anthropic(), { policy: 'batch', policyOptions: { abandon: { deferrer } } });
 */
export class SqliteDeferrer implements TaskQueue, HandOverQueue {
  readonly path: string;
  readonly maxPayloadBytes: number;
  readonly clock: Clock;
  #db: DatabaseSync | undefined;
  readonly #sql: Statements;

  /** Opens the queue file; throws `QueueFileError` (naming the path) for a foreign or corrupt one. */
  constructor(options: SqliteDeferrerOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError(`sqliteDeferrer: options must be an object with a path, got ${String(options)}`);
    const { path, maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES, clock = systemClock, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS } = options;
    if (typeof path !== 'string' || path.length === 0) throw new TypeError(`sqliteDeferrer: path must be a non-empty string, got ${JSON.stringify(path)}`);
    if (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes < 1) throw new RangeError(`sqliteDeferrer: maxPayloadBytes must be a positive integer (bytes), got ${String(maxPayloadBytes)}`);
    if (!(Number.isFinite(busyTimeoutMs) && busyTimeoutMs >= 0)) throw new RangeError(`sqliteDeferrer: busyTimeoutMs must be a number of milliseconds >= 0, got ${String(busyTimeoutMs)}`);
    if (typeof clock?.now !== 'function' || typeof clock.sleep !== 'function') throw new TypeError('sqliteDeferrer: clock must have now() and sleep()');
    this.path = path;
    this.maxPayloadBytes = maxPayloadBytes;
    this.clock = clock;
    const db = openQueueDatabase(path, busyTimeoutMs);
    this.#db = db;
    this.#sql = Object.fromEntries(Object.entries(SQL).map(([name, text]) => [name, db.prepare(text)])) as unknown as Statements;
  }

  /**
   * Stores the task `pending`, due at once, under a new UUID (the receipt's `id`). Rejects
   * with `PayloadTooLargeError` over `maxPayloadBytes`, with a `TypeError` for a payload
   * JSON cannot hold.
   */
  async defer(task: DeferredTask): Promise<DeferReceipt> {
    const payload = encodeTaskPayload(task.payload, this.maxPayloadBytes);
    checkTask(task);
    const id = randomUUID();
    this.#open();
    this.#sql.insert.run({
      id,
      callId: task.callId,
      policy: task.policy,
      model: task.model,
      reason: task.reason,
      payload,
      deferredAt: task.deferredAt,
      deadlineAt: task.deadlineAt ?? null,
      now: this.clock.now(),
      traceparent: task.traceparent ?? null,
    });
    return { id, deferredAt: task.deferredAt };
  }

  async claim(limit: number, leaseMs: number): Promise<ClaimedTask[]> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`SqliteDeferrer.claim: limit must be a positive integer, got ${String(limit)}`);
    if (!(Number.isFinite(leaseMs) && leaseMs > 0)) throw new RangeError(`SqliteDeferrer.claim: leaseMs must be a positive number of milliseconds, got ${String(leaseMs)}`);
    this.#open();
    const now = this.clock.now();
    const rows = this.#sql.claim.all({ now, until: now + leaseMs, limit }) as TaskRow[];
    // RETURNING gives rows in no promised order.
    return rows.map(toClaimedTask).sort((a, b) => a.nextRunAt - b.nextRunAt || a.deferredAt - b.deferredAt);
  }

  async complete(id: string): Promise<boolean> {
    return this.#changed(id, this.#sql.complete.run({ id, now: this.#nowIfOpen() }));
  }

  async fail(id: string, error: unknown, outcome: FailOutcome, lease?: LeaseRef): Promise<boolean> {
    const dead = 'dead' in outcome;
    if (dead ? typeof outcome.dead !== 'string' : !Number.isFinite(outcome.retryAt)) {
      throw new TypeError(`SqliteDeferrer.fail: outcome must be { retryAt: ms } or { dead: reason }, got ${JSON.stringify(outcome)}`);
    }
    const now = this.#nowIfOpen();
    return this.#changed(
      id,
      this.#sql.fail.run({
        id,
        now,
        state: dead ? TaskState.DEAD : TaskState.FAILED,
        retryAt: dead ? null : outcome.retryAt,
        deadReason: dead ? outcome.dead : null,
        error: describeTaskError(error),
        token: lease?.leaseToken ?? null,
      }),
    );
  }

  async release(id: string, lease: LeaseRef): Promise<boolean> {
    return this.#changed(id, this.#sql.release.run({ id, token: lease.leaseToken, now: this.#nowIfOpen() }));
  }

  async extend(id: string, lease: LeaseRef, leaseMs: number): Promise<boolean> {
    if (!(Number.isFinite(leaseMs) && leaseMs > 0)) throw new RangeError(`SqliteDeferrer.extend: leaseMs must be a positive number of milliseconds, got ${String(leaseMs)}`);
    return this.#changed(id, this.#sql.extend.run({ id, token: lease.leaseToken, until: this.#nowIfOpen() + leaseMs }));
  }

  /** Hands claimed tasks to `holder` (their new lease token) until `leaseUntil`, in one transaction: see `HandOverQueue`. */
  async handOver(tasks: readonly HeldTaskRef[], holder: string, leaseUntil: number): Promise<string[]> {
    if (!Array.isArray(tasks)) throw new TypeError(`SqliteDeferrer.handOver: tasks must be an array of { id, leaseToken }, got ${typeof tasks}`);
    if (typeof holder !== 'string' || holder.length === 0) throw new TypeError(`SqliteDeferrer.handOver: holder must be a non-empty string, got ${JSON.stringify(holder)}`);
    if (!Number.isFinite(leaseUntil)) throw new RangeError(`SqliteDeferrer.handOver: leaseUntil must be a time in ms, got ${String(leaseUntil)}`);
    const db = this.#open();
    const now = this.clock.now();
    const handed: string[] = [];
    db.exec('BEGIN IMMEDIATE');
    try {
      for (const { id, leaseToken } of tasks) {
        if (Number(this.#sql.handOver.run({ id, token: leaseToken, holder, until: leaseUntil, now }).changes) > 0) handed.push(id);
      }
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
    return handed;
  }

  /** The running tasks whose lease token starts with `prefix`, with their leases: see `HandOverQueue`. */
  async heldBy(prefix: string, limit = 100_000): Promise<ClaimedTask[]> {
    if (typeof prefix !== 'string' || prefix.length === 0) throw new TypeError(`SqliteDeferrer.heldBy: prefix must be a non-empty string, got ${JSON.stringify(prefix)}`);
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`SqliteDeferrer.heldBy: limit must be a positive integer, got ${String(limit)}`);
    this.#open();
    return (this.#sql.heldBy.all({ prefix, limit }) as TaskRow[]).map(toClaimedTask);
  }

  async nextDueAt(): Promise<number | undefined> {
    this.#open();
    return numberOrUndefined((this.#sql.nextDue.get() as { at: unknown }).at);
  }

  async get(id: string): Promise<QueuedTask | undefined> {
    this.#open();
    const row = this.#sql.get.get({ id }) as TaskRow | undefined;
    return row ? toTask(row) : undefined;
  }

  async list(options: ListOptions = {}): Promise<QueuedTask[]> {
    const { state, limit = DEFAULT_LIST_LIMIT } = options;
    if (state !== undefined && !isTaskState(state)) throw new RangeError(`SqliteDeferrer.list: state must be one of ${TASK_STATES.join(', ')}, got ${JSON.stringify(state)}`);
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`SqliteDeferrer.list: limit must be a positive integer, got ${String(limit)}`);
    this.#open();
    const rows = (state === undefined ? this.#sql.listAll.all({ limit }) : this.#sql.listState.all({ state, limit })) as TaskRow[];
    return rows.map(toTask);
  }

  async counts(): Promise<TaskCounts> {
    this.#open();
    const counts = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as Record<TaskState, number>;
    for (const row of this.#sql.counts.all() as Array<{ state: string; n: number }>) {
      if (isTaskState(row.state)) counts[row.state] = Number(row.n);
    }
    return counts;
  }

  async oldestPendingAgeMs(): Promise<number | undefined> {
    this.#open();
    const at = numberOrUndefined((this.#sql.oldest.get() as { at: unknown }).at);
    return at === undefined ? undefined : Math.max(0, this.clock.now() - at);
  }

  /**
   * Milliseconds left before the earliest deadline among the tasks still to do (`pending`,
   * `failed` or `running`) that have one, negative once it passed; `undefined` when none has
   * a deadline. `instrumentQueue` reports it as `stormwatch.queue.deadline_slack`.
   */
  async nearestDeadlineMs(): Promise<number | undefined> {
    this.#open();
    const at = numberOrUndefined((this.#sql.nearestDeadline.get() as { at: unknown }).at);
    return at === undefined ? undefined : at - this.clock.now();
  }

  async retry(id: string): Promise<boolean> {
    return this.#changed(id, this.#sql.retry.run({ id, now: this.#nowIfOpen() }));
  }

  async purge(options: { state: Exclude<TaskState, 'running'> }): Promise<number> {
    const state = options?.state as unknown;
    if (!isTaskState(state) || state === TaskState.RUNNING) {
      throw new RangeError(`SqliteDeferrer.purge: state must be one of pending, done, failed, dead (a drain holds running tasks), got ${JSON.stringify(state)}`);
    }
    this.#open();
    return Number(this.#sql.purge.run({ state }).changes);
  }

  /** Closes the file. Idempotent; any later call rejects. */
  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    db?.close();
  }

  #open(): DatabaseSync {
    if (this.#db === undefined) throw new Error(`SqliteDeferrer(${JSON.stringify(this.path)}) is closed`);
    return this.#db;
  }

  #nowIfOpen(): number {
    this.#open();
    return this.clock.now();
  }

  /** True when the statement changed the task; false when it exists but was in another state; throws when it does not exist. */
  #changed(id: string, result: { changes: number | bigint }): boolean {
    if (Number(result.changes) > 0) return true;
    if (this.#sql.exists.get({ id }) === undefined) throw new TaskNotFoundError(id);
    return false;
  }
}

/**
 * A {@link SqliteDeferrer} on the file at `options.path`, opened now: a foreign or corrupt
 * file throws `QueueFileError` here, not at the first deferral.
 */
export function sqliteDeferrer(options: SqliteDeferrerOptions): SqliteDeferrer {
  return new SqliteDeferrer(options);
}

function checkTask(task: DeferredTask): void {
  const bad = (what: string, value: unknown) => new TypeError(`SqliteDeferrer.defer: ${what}, got ${JSON.stringify(value) ?? String(value)}`);
  if (!Number.isFinite(task.callId)) throw bad('callId must be a number', task.callId);
  for (const key of ['policy', 'model', 'reason'] as const) if (typeof task[key] !== 'string') throw bad(`${key} must be a string`, task[key]);
  if (!Number.isFinite(task.deferredAt)) throw bad('deferredAt must be a time in ms', task.deferredAt);
  if (task.deadlineAt !== undefined && !Number.isFinite(task.deadlineAt)) throw bad('deadlineAt must be a time in ms or undefined', task.deadlineAt);
  if (task.traceparent !== undefined && !isTraceparent(task.traceparent)) throw bad('traceparent must be a W3C traceparent (00-<trace id>-<span id>-<flags>) or undefined', task.traceparent);
}

function numberOrUndefined(value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : Number(value);
}
