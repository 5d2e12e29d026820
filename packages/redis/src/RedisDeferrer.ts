import { randomBytes, randomUUID } from 'node:crypto';
import {
  describeTaskError,
  encodeTaskPayload,
  isTraceparent,
  systemClock,
  TaskNotFoundError,
  type ClaimedTask,
  type Clock,
  type DeferReceipt,
  type DeferredTask,
  type FailOutcome,
  type HandOverQueue,
  type HeldTaskRef,
  type LeaseRef,
  type ListOptions,
  type QueuedTask,
  type TaskCounts,
  type TaskQueue,
  type TaskState,
} from '@stormwatch/core';
import { RedisQueueError } from './errors/RedisQueueError.js';
import { QueueClient } from './internal/QueueClient.js';
import { QUEUE_SCRIPTS, type QueueScript } from './internal/queueScripts.js';
import { toArray, toChange, toClaimedTask, toOptionalNumber, toTask } from './internal/taskReplies.js';
import { DEFAULT_PREFIX, checkUrl, redact } from './options.js';

/** Options of {@link redisDeferrer}. */
export interface RedisDeferrerOptions {
  /**
   * The Redis server: `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS.
   * Required; a malformed URL fails at construction. Run it with persistence on (AOF with
   * `appendfsync everysec` or `always`): a Redis that restarts empty has lost the queue.
   */
  readonly url: string;
  /**
   * Prefix of every key (`<prefix>{queue}:task:<id>` ...). Every process that defers or
   * drains the same queue names the same Redis and prefix. Defaults to `stormwatch:`.
   */
  readonly prefix?: string;
  /**
   * Largest payload `defer()` accepts, in UTF-8 bytes of its JSON. Defaults to 1 MiB
   * (1 048 576), as `sqliteDeferrer`'s. A larger one is refused with `PayloadTooLargeError`.
   */
  readonly maxPayloadBytes?: number;
  /**
   * Where the queue reads time (due times, leases, ages). Defaults to the system clock; give
   * the policy's. The fleet's machines compare leases on their own clocks: keep them in sync
   * (NTP) to well within a lease.
   */
  readonly clock?: Clock;
  /** How long one operation waits for Redis before it rejects with `RedisQueueError`, in ms. Defaults to 5 s. */
  readonly timeoutMs?: number;
  /**
   * How long a `done` task is kept (for `list`, `get` and a duplicate's `complete`), in ms of
   * the queue's clock: the next write after that deletes it. Defaults to 7 days. `dead`
   * tasks are kept until purged or retried, as with SQLite.
   */
  readonly doneRetentionMs?: number;
}

const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_DONE_RETENTION_MS = 7 * 24 * 3_600_000;
/** A done task's hash also expires by Redis' own clock this long after its retention: a queue nobody writes to any more still empties. */
const BACKSTOP_MARGIN_MS = 24 * 3_600_000;
const DEFAULT_LIST_LIMIT = 100;
/** Tasks handed over per script: keeps one script's run (which blocks Redis) short. */
const HAND_OVER_CHUNK = 1_000;
const STATES: readonly TaskState[] = ['pending', 'running', 'done', 'failed', 'dead'];

/**
 * A durable `Deferrer` for a fleet, on Redis: many processes defer into one queue and many
 * drains take from it; each due task is claimed by one drain under a lease, and a lease that
 * is not renewed or settled in time (the drain died or hangs) makes the task claimable
 * again. The same `TaskQueue` as `SqliteDeferrer`, with the same state machine, so
 * `drainDeferred` from `@stormwatch/queue` runs it as it is.
 *
 * Each operation is one atomic Lua script. The tasks still to do sit in one sorted set
 * scored by when each can next be claimed, so a claim is a range read up to now. What is
 * stored is what the policy hands over — the call site's payload (no headers, no API key),
 * the model, the policy's name, the reason, the deadline, the call's W3C traceparent (when it
 * was traced; a field a task hash written before it simply lacks) — plus the task's state.
 *
 * @example
 * const deferrer = redisDeferrer({ url: 'redis://redis.internal:6379' });
 * const client = resilient(new Anthropic(), { policy: 'batch', policyOptions: { abandon: { deferrer } } });
 */
export class RedisDeferrer implements TaskQueue, HandOverQueue {
  readonly url: string;
  readonly prefix: string;
  readonly maxPayloadBytes: number;
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly doneRetentionMs: number;
  /** `KEYS[1]` of every script: the prefix of the queue's keys. */
  readonly #base: string;
  readonly #client: QueueClient;
  #closed = false;

  /** @throws TypeError or RangeError for a bad option, naming it (a malformed `url` included). Does not wait for Redis. */
  constructor(options: RedisDeferrerOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError(`redisDeferrer: options must be an object with a url, got ${String(options)}`);
    const { prefix = DEFAULT_PREFIX, maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES, clock = systemClock, timeoutMs = DEFAULT_TIMEOUT_MS, doneRetentionMs = DEFAULT_DONE_RETENTION_MS } = options;
    this.url = checkUrl(options.url, 'redisDeferrer');
    if (typeof prefix !== 'string' || prefix.length === 0 || /[{}]/.test(prefix)) throw new TypeError(`redisDeferrer: prefix must be a non-empty string without { or }, got ${JSON.stringify(prefix)}`);
    if (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes < 1) throw new RangeError(`redisDeferrer: maxPayloadBytes must be a positive integer (bytes), got ${String(maxPayloadBytes)}`);
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new RangeError(`redisDeferrer: timeoutMs must be a finite number of milliseconds > 0, got ${String(timeoutMs)}`);
    if (!(Number.isFinite(doneRetentionMs) && doneRetentionMs >= 0)) throw new RangeError(`redisDeferrer: doneRetentionMs must be a finite number of milliseconds >= 0, got ${String(doneRetentionMs)}`);
    if (typeof clock?.now !== 'function' || typeof clock.sleep !== 'function') throw new TypeError('redisDeferrer: clock must have now() and sleep()');
    this.prefix = prefix;
    this.maxPayloadBytes = maxPayloadBytes;
    this.clock = clock;
    this.timeoutMs = timeoutMs;
    this.doneRetentionMs = doneRetentionMs;
    this.#base = `${prefix}{queue}:`;
    this.#client = new QueueClient(this.url, timeoutMs);
  }

  /**
   * Stores the task `pending`, due at once, under a new UUID (the receipt's `id`). Rejects
   * with `PayloadTooLargeError` over `maxPayloadBytes`, a `TypeError` for a payload JSON
   * cannot hold, a `RedisQueueError` when Redis cannot take it (the task is then not
   * deferred, unless Redis ran the script after `timeoutMs`: at least once, never lost).
   */
  async defer(task: DeferredTask): Promise<DeferReceipt> {
    const payload = encodeTaskPayload(task.payload, this.maxPayloadBytes);
    checkTask(task);
    const id = randomUUID();
    const deadline = task.deadlineAt === undefined ? '' : String(task.deadlineAt);
    await this.#run(QUEUE_SCRIPTS.defer, [id, this.#now(), String(task.callId), task.policy, task.model, task.reason, payload, String(task.deferredAt), deadline, task.traceparent ?? '']);
    return { id, deferredAt: task.deferredAt };
  }

  async claim(limit: number, leaseMs: number): Promise<ClaimedTask[]> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`RedisDeferrer.claim: limit must be a positive integer, got ${String(limit)}`);
    if (!(Number.isFinite(leaseMs) && leaseMs > 0)) throw new RangeError(`RedisDeferrer.claim: leaseMs must be a positive number of milliseconds, got ${String(leaseMs)}`);
    this.#open();
    const now = this.clock.now();
    const tokens = Array.from({ length: limit }, () => randomBytes(16).toString('hex'));
    const reply = await this.#run(QUEUE_SCRIPTS.claim, [String(now), String(now + leaseMs), String(limit), ...tokens]);
    return toArray('claim', reply).map(toClaimedTask);
  }

  async complete(id: string): Promise<boolean> {
    const now = this.#now();
    return this.#changed('complete', id, [id, now, String(Number(now) + this.doneRetentionMs), String(Math.ceil(this.doneRetentionMs + BACKSTOP_MARGIN_MS))]);
  }

  async fail(id: string, error: unknown, outcome: FailOutcome, lease?: LeaseRef): Promise<boolean> {
    const dead = 'dead' in outcome;
    if (dead ? typeof outcome.dead !== 'string' : !Number.isFinite(outcome.retryAt)) {
      throw new TypeError(`RedisDeferrer.fail: outcome must be { retryAt: ms } or { dead: reason }, got ${JSON.stringify(outcome)}`);
    }
    const state = dead ? 'dead' : 'failed';
    return this.#changed('fail', id, [id, this.#now(), state, dead ? '' : String(outcome.retryAt), dead ? outcome.dead : '', describeTaskError(error), lease?.leaseToken ?? '']);
  }

  async release(id: string, lease: LeaseRef): Promise<boolean> {
    return this.#changed('release', id, [id, this.#now(), String(lease.leaseToken)]);
  }

  async extend(id: string, lease: LeaseRef, leaseMs: number): Promise<boolean> {
    if (!(Number.isFinite(leaseMs) && leaseMs > 0)) throw new RangeError(`RedisDeferrer.extend: leaseMs must be a positive number of milliseconds, got ${String(leaseMs)}`);
    this.#open();
    return this.#changed('extend', id, [id, String(lease.leaseToken), String(this.clock.now() + leaseMs)]);
  }

  /**
   * Hands claimed tasks to `holder` (their new lease token) until `leaseUntil`: see
   * `HandOverQueue`. One script per 1 000 tasks (each script atomic).
   */
  async handOver(tasks: readonly HeldTaskRef[], holder: string, leaseUntil: number): Promise<string[]> {
    if (!Array.isArray(tasks)) throw new TypeError(`RedisDeferrer.handOver: tasks must be an array of { id, leaseToken }, got ${typeof tasks}`);
    if (typeof holder !== 'string' || holder.length === 0) throw new TypeError(`RedisDeferrer.handOver: holder must be a non-empty string, got ${JSON.stringify(holder)}`);
    if (!Number.isFinite(leaseUntil)) throw new RangeError(`RedisDeferrer.handOver: leaseUntil must be a time in ms, got ${String(leaseUntil)}`);
    const handed: string[] = [];
    for (let i = 0; i < tasks.length; i += HAND_OVER_CHUNK) {
      const args = tasks.slice(i, i + HAND_OVER_CHUNK).flatMap((t) => [String(t.id), String(t.leaseToken)]);
      const reply = toArray('handOver', await this.#run(QUEUE_SCRIPTS.handOver, [holder, String(leaseUntil), this.#now(), ...args]));
      for (const id of reply) handed.push(String(id));
    }
    return handed;
  }

  /** The running tasks whose lease token starts with `prefix`, with their leases: see `HandOverQueue`. */
  async heldBy(prefix: string, limit = 100_000): Promise<ClaimedTask[]> {
    if (typeof prefix !== 'string' || prefix.length === 0) throw new TypeError(`RedisDeferrer.heldBy: prefix must be a non-empty string, got ${JSON.stringify(prefix)}`);
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`RedisDeferrer.heldBy: limit must be a positive integer, got ${String(limit)}`);
    return toArray('heldBy', await this.#run(QUEUE_SCRIPTS.heldBy, [prefix, String(limit)])).map(toClaimedTask);
  }

  async nextDueAt(): Promise<number | undefined> {
    return toOptionalNumber('nextDue', await this.#run(QUEUE_SCRIPTS.nextDue, []));
  }

  async get(id: string): Promise<QueuedTask | undefined> {
    const reply = toArray('get', await this.#run(QUEUE_SCRIPTS.get, [String(id)]));
    return reply.length === 0 ? undefined : toTask('get', reply);
  }

  async list(options: ListOptions = {}): Promise<QueuedTask[]> {
    const { state, limit = DEFAULT_LIST_LIMIT } = options;
    if (state !== undefined && !STATES.includes(state)) throw new RangeError(`RedisDeferrer.list: state must be one of ${STATES.join(', ')}, got ${JSON.stringify(state)}`);
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`RedisDeferrer.list: limit must be a positive integer, got ${String(limit)}`);
    const reply = await this.#run(QUEUE_SCRIPTS.list, [state ?? '', String(limit)]);
    return toArray('list', reply).map((task) => toTask('list', task));
  }

  async counts(): Promise<TaskCounts> {
    const reply = toArray('counts', await this.#run(QUEUE_SCRIPTS.counts, []));
    if (reply.length !== STATES.length || !reply.every((n) => typeof n === 'number')) throw new RedisQueueError('malformed_reply', 'counts', `expected ${STATES.length} numbers, got ${reply.length} item(s)`);
    return Object.fromEntries(STATES.map((state, i) => [state, reply[i]])) as TaskCounts;
  }

  async oldestPendingAgeMs(): Promise<number | undefined> {
    const at = toOptionalNumber('oldest', await this.#run(QUEUE_SCRIPTS.oldest, []));
    return at === undefined ? undefined : Math.max(0, this.clock.now() - at);
  }

  /**
   * Milliseconds left before the earliest deadline among the tasks still to do that have one,
   * negative once it passed; `undefined` when none has a deadline. `instrumentQueue` reports
   * it as `stormwatch.queue.deadline_slack`. Deadlines are not indexed: one read-only script
   * reads every waiting task's hash: about 20 ms of Redis, during which it answers nothing else, per 10 000 waiting tasks (measured on a local redis-server 7); at each metric collection.
   */
  async nearestDeadlineMs(): Promise<number | undefined> {
    const at = toOptionalNumber('nearestDeadline', await this.#run(QUEUE_SCRIPTS.nearestDeadline, []));
    return at === undefined ? undefined : at - this.clock.now();
  }

  async retry(id: string): Promise<boolean> {
    return this.#changed('retry', id, [id, this.#now()]);
  }

  /** Deletes every task in `state` (not `running`: a drain holds those) in one script; returns how many. */
  async purge(options: { state: Exclude<TaskState, 'running'> }): Promise<number> {
    const state = options?.state as unknown;
    if (typeof state !== 'string' || !STATES.includes(state as TaskState) || state === 'running') {
      throw new RangeError(`RedisDeferrer.purge: state must be one of pending, done, failed, dead (a drain holds running tasks), got ${JSON.stringify(state)}`);
    }
    const reply = await this.#run(QUEUE_SCRIPTS.purge, [state]);
    if (typeof reply !== 'number') throw new RedisQueueError('malformed_reply', 'purge', `expected a number, got ${typeof reply}`);
    return reply;
  }

  /** Closes the connection. Idempotent; any later call rejects. The tasks stay in Redis. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.close();
  }

  #open(): void {
    if (this.#closed) throw new Error(`RedisDeferrer(${JSON.stringify(redact(this.url))}, prefix ${JSON.stringify(this.prefix)}) is closed`);
  }

  #now(): string {
    this.#open();
    return String(this.clock.now());
  }

  #run(script: QueueScript, args: readonly string[]): Promise<unknown> {
    this.#open();
    return this.#client.run(script, this.#base, args);
  }

  /** True when the script changed the task; false when it is in another state; rejects with `TaskNotFoundError` when there is no such task. */
  async #changed(operation: 'complete' | 'fail' | 'release' | 'extend' | 'retry', id: string, args: readonly string[]): Promise<boolean> {
    const change = toChange(operation, await this.#run(QUEUE_SCRIPTS[operation], args));
    if (change === -1) throw new TaskNotFoundError(id);
    return change === 1;
  }
}

/**
 * A {@link RedisDeferrer} on the Redis at `options.url`. Construction does not wait for
 * Redis; the first operation waits for the connection at most `timeoutMs`.
 */
export function redisDeferrer(options: RedisDeferrerOptions): RedisDeferrer {
  return new RedisDeferrer(options);
}

function checkTask(task: DeferredTask): void {
  const bad = (what: string, value: unknown) => new TypeError(`RedisDeferrer.defer: ${what}, got ${JSON.stringify(value) ?? String(value)}`);
  if (!Number.isFinite(task.callId)) throw bad('callId must be a number', task.callId);
  for (const key of ['policy', 'model', 'reason'] as const) if (typeof task[key] !== 'string') throw bad(`${key} must be a string`, task[key]);
  if (!Number.isFinite(task.deferredAt)) throw bad('deferredAt must be a time in ms', task.deferredAt);
  if (task.deadlineAt !== undefined && !Number.isFinite(task.deadlineAt)) throw bad('deadlineAt must be a time in ms or undefined', task.deadlineAt);
  if (task.traceparent !== undefined && !isTraceparent(task.traceparent)) throw bad('traceparent must be a W3C traceparent (00-<trace id>-<span id>-<flags>) or undefined', task.traceparent);
}
