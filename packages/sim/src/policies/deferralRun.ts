/**
 * The durable deferral of one run of the `stormwatch-defer` row: one SQLite queue file (the
 * real `sqliteDeferrer` from `@stormwatch/queue`, in a fresh temporary directory) that every
 * client of the run defers into, and one drain (the real `drainDeferred`) that runs the
 * deferred calls through the resilient client of the run's first client — the process that
 * hosts the drain worker, as a service that drains its own queue does. The drain's calls go
 * through that client's policy without `defer`, so its admission control paces them at the
 * rate it has learned; the drain adds no pace of its own.
 *
 * SQLite runs in virtual time as it is: `node:sqlite` is synchronous (no timer, no real
 * I/O callback), and the queue and the drain read time from the run's clock. So the real
 * queue is used, not the in-memory deferrer.
 *
 * A deferred call's record in the fleet stays open until its task is settled: the caller
 * awaits the task's completion by id (the application would pick the answer up by the
 * task's id, its idempotency key), so the figures see when each deferred call was answered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsyncLocalStorage } from 'node:async_hooks';
import type Anthropic from '@anthropic-ai/sdk';
import type { ResilientClient } from '@stormwatch/anthropic';
import type { Clock, DeferReceipt, DeferredTask, Deferrer, Random } from '@stormwatch/core';
import { drainDeferred, sqliteDeferrer, type DrainOutcome, type SqliteDeferrer, type TaskCounts } from '@stormwatch/queue';
import { DeferredCalls } from './DeferredCalls.js';
import type { SimCallResult } from './PolicyUnderTest.js';
import { sendThrough } from './stormwatchDefault.js';

/** Most deferred tasks the drain runs at once (each waits for its turn in the policy's admission). */
export const DRAIN_CONCURRENCY = 32;

/** One admission (attempt start) of the policy the drain runs through. */
export interface HostAdmission {
  /** Virtual ms. */
  readonly atMs: number;
  /** The admitted rate of the model at that moment, requests/s; `Infinity` while calm. */
  readonly ratePerSecond: number;
  /** The deferred task whose call this is; undefined for the host client's own calls. */
  readonly taskId: string | undefined;
}

/** What the run's deferral did, for the figures and the tests. */
export interface DeferralLog {
  /** Tasks the queue accepted. */
  readonly deferred: number;
  /** Every admission of the drain's host policy, in order. */
  readonly hostAdmissions: readonly HostAdmission[];
  /** Outcomes the drain reported, counted. */
  readonly outcomes: Readonly<Record<DrainOutcome['outcome'], number>>;
  /** Most tasks the drain ran at once. */
  readonly maxDrainInFlight: number;
  readonly drainConcurrency: number;
  /** The queue's tasks per state when the run ended. */
  readonly finalCounts: TaskCounts;
  /** Virtual ms of each drain start (a drain stops when no deferred call is waiting and starts again at the next deferral). */
  readonly drainStarts: readonly number[];
}

export { DeferredTaskDeadError } from './DeferredCalls.js';

/** A task's call, told to the host policy's listeners through async context (the policy's events carry no caller data). */
const drainTask = new AsyncLocalStorage<string>();

export class DeferralRun {
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #dir: string;
  readonly queue: SqliteDeferrer;
  #host: ResilientClient | undefined;
  readonly #calls = new DeferredCalls();
  #drain: AbortController | undefined;
  readonly #drains = new Set<Promise<unknown>>();
  readonly #admissions: HostAdmission[] = [];
  readonly #outcomes: Record<DrainOutcome['outcome'], number> = { drained: 0, failed: 0, dead: 0, released: 0 };
  readonly #drainStarts: number[] = [];
  #deferred = 0;
  #inFlight = 0;
  #maxInFlight = 0;
  #problem: unknown;

  constructor(clock: Clock, random: Random) {
    this.#clock = clock;
    this.#random = random;
    this.#dir = mkdtempSync(join(tmpdir(), 'stormwatch-sim-defer-'));
    this.queue = sqliteDeferrer({ path: join(this.#dir, 'deferred.db'), clock });
  }

  /** The deferrer the clients' policies get: the SQLite queue, which also wakes the drain. */
  readonly deferrer: Deferrer = {
    defer: async (task: DeferredTask): Promise<DeferReceipt> => {
      const receipt = await this.queue.defer(task);
      this.#deferred++;
      this.#calls.add(receipt.id, receipt.deferredAt);
      this.#startDrain();
      return receipt;
    },
  };

  /**
   * The first client's resilient client hosts the drain; its policy's admissions are
   * recorded with the rate in force, to check that the drain never outpaces it.
   */
  adoptHost(client: ResilientClient): void {
    if (this.#host !== undefined) return;
    this.#host = client;
    client.policy.onAttemptStart((e) => {
      const rate = client.policy.admissionState(e.model)?.ratePerSecond ?? Number.POSITIVE_INFINITY;
      this.#admissions.push({ atMs: e.startedAt, ratePerSecond: rate, taskId: drainTask.getStore() });
    });
  }

  /** Resolves when the deferred task `id` is done (with the drained call's answer); rejects when it is dead. */
  completion(id: string): Promise<SimCallResult> {
    return this.#calls.completion(id);
  }

  #startDrain(): void {
    if (this.#drain !== undefined || this.#host === undefined) return;
    const host = this.#host;
    const stop = (this.#drain = new AbortController());
    this.#drainStarts.push(this.#clock.now());
    const drain = drainDeferred(
      this.queue,
      async (task, { signal, remainingMs }) => {
        this.#inFlight++;
        this.#maxInFlight = Math.max(this.#maxInFlight, this.#inFlight);
        try {
          const body = task.payload as Anthropic.MessageCreateParams;
          const { stream, ...rest } = body;
          const result = await drainTask.run(task.id, () =>
            sendThrough(host, rest as Anthropic.MessageCreateParamsNonStreaming, stream === true, { signal, ...(remainingMs === undefined ? {} : { deadlineMs: remainingMs }) }),
          );
          this.#calls.answer(task.id, result);
        } finally {
          this.#inFlight--;
        }
      },
      { signal: stop.signal, concurrency: DRAIN_CONCURRENCY, random: this.#random, onOutcome: (o) => this.#settled(o) },
    );
    const tracked = drain.then(
      () => undefined,
      (error: unknown) => {
        this.#problem ??= error;
        this.#calls.failAll(error);
      },
    );
    this.#drains.add(tracked);
    void tracked.finally(() => this.#drains.delete(tracked));
  }

  #settled(o: DrainOutcome): void {
    this.#outcomes[o.outcome]++;
    if (o.outcome === 'dead') this.#calls.dead(o.task.id, o.reason, o.error);
    if (o.outcome === 'drained') this.#calls.done(o.task.id);
    // Nothing left to wait for: the worker stops (so the run's clock can run dry) and starts again at the next deferral.
    if (this.#calls.size === 0 && this.#drain !== undefined) {
      this.#drain.abort();
      this.#drain = undefined;
    }
  }

  /** Waits for the drains, closes the queue, deletes its directory; the log of what happened. */
  async finish(): Promise<DeferralLog> {
    this.#drain?.abort();
    this.#drain = undefined;
    // A stopped drain with nothing in hand ends within a few turns; one still holding calls
    // (a run cut short by its safety net) would wait for timers nobody fires any more.
    const drains = Promise.all(this.#drains);
    for (let turn = 0; turn < 10 && this.#drains.size > 0; turn++) await new Promise((resolve) => setImmediate(resolve));
    if (this.#drains.size > 0) this.#problem ??= new Error('the deferral drain was still running when the run ended');
    else await drains;
    try {
      const finalCounts = await this.queue.counts();
      if (this.#problem !== undefined) throw this.#problem;
      return {
        deferred: this.#deferred,
        hostAdmissions: this.#admissions,
        outcomes: { ...this.#outcomes },
        maxDrainInFlight: this.#maxInFlight,
        drainConcurrency: DRAIN_CONCURRENCY,
        finalCounts,
        drainStarts: this.#drainStarts,
      };
    } finally {
      await this.queue.close();
      rmSync(this.#dir, { recursive: true, force: true });
    }
  }
}
