/**
 * The deferral of one run of the `stormwatch-batch` row: one SQLite queue file (the real
 * `sqliteDeferrer`, in a fresh temporary directory) that every client of the run defers into,
 * and, instead of an interactive drain, the Message Batches target of `@stormwatch/queue`:
 * once a minute of virtual time while deferred calls wait, `submitBatches` sends the due
 * tasks (custom_id = task id, params = the stored request body) to the simulated service's
 * batch endpoints through a plain SDK client, and one `resumeBatches` at a time polls the
 * batches the queue's tasks are held by and settles each task from its result. The service
 * processes a batch outside the models' interactive capacity, so nothing of this goes to the
 * overloaded endpoint.
 *
 * As in {@link DeferralRun}, a deferred call's record stays open until its task is settled:
 * the caller awaits the task's completion by id, answered with the batch's message.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { costOf, priceOf } from '@stormwatch/anthropic';
import type { Clock, DeferReceipt, DeferredTask, Deferrer } from '@stormwatch/core';
import { resumeBatches, sqliteDeferrer, submitBatches, type BatchClient, type BatchTaskOutcome, type SqliteDeferrer, type TaskCounts } from '@stormwatch/queue';
import { DeferredCalls } from './DeferredCalls.js';
import type { SimCallResult } from './PolicyUnderTest.js';

/** How often deferred tasks are sent in a batch while deferred calls wait, in virtual ms: the deferrals of the last minute go in one batch. */
export const BATCH_SUBMIT_EVERY_MS = 60_000;

/** Polling of the batches: 30 s (the library's default first wait), doubling up to 5 min (the default cap is 10 min). */
export const BATCH_POLL = Object.freeze({ initialMs: 30_000, maxMs: 5 * 60_000 });

/** What the run's batch deferral did, for the figures and the tests. */
export interface BatchDeferralLog {
  /** Tasks the queue accepted. */
  readonly deferred: number;
  /** Batches created, and the tasks sent in them (a task sent again counts again). */
  readonly batchesSubmitted: number;
  readonly submitted: number;
  /** Tasks `submitBatches` gave back for an interactive drain (deadline within the batch window); this row has none, so this should stay 0. */
  readonly interactive: number;
  /** What became of each task of a batch, counted: submitted (`submitBatches`), then its settlement (`resumeBatches`). */
  readonly outcomes: Readonly<Record<BatchTaskOutcome['outcome'], number>>;
  /** The library's own account of the succeeded requests: their interactive price, batch price and the difference, USD. */
  readonly interactiveCostUsd: number;
  readonly batchCostUsd: number;
  readonly savedUsd: number;
  /** The queue's tasks per state when the run ended. */
  readonly finalCounts: TaskCounts;
  /** Virtual ms of each submission that created a batch. */
  readonly submitTimes: readonly number[];
}

export class BatchDeferralRun {
  readonly #clock: Clock;
  readonly #dir: string;
  readonly queue: SqliteDeferrer;
  readonly #client: BatchClient;
  readonly #calls = new DeferredCalls();
  #stop: AbortController | undefined;
  #resuming: Promise<void> | undefined;
  readonly #loops = new Set<Promise<unknown>>();
  readonly #outcomes: Record<BatchTaskOutcome['outcome'], number> = { submitted: 0, done: 0, retried: 0, released: 0, dead: 0, handler_failed: 0 };
  readonly #submitTimes: number[] = [];
  #deferred = 0;
  #batches = 0;
  #submitted = 0;
  #interactive = 0;
  #interactiveCostUsd = 0;
  #batchCostUsd = 0;
  #savedUsd = 0;
  #problem: unknown;

  /** `fetch` and `baseURL`: the simulated service's, for the batch client (a plain SDK client, as `batchDeferred`'s docs show). */
  constructor(clock: Clock, fetch: typeof globalThis.fetch, baseURL: string) {
    this.#clock = clock;
    this.#dir = mkdtempSync(join(tmpdir(), 'stormwatch-sim-batch-'));
    this.queue = sqliteDeferrer({ path: join(this.#dir, 'deferred.db'), clock });
    this.#client = new Anthropic({ apiKey: 'sk-ant-sim-0000', baseURL, fetch, maxRetries: 0 }) as unknown as BatchClient;
  }

  /** The deferrer the clients' policies get: the SQLite queue, which also starts the batch worker. */
  readonly deferrer: Deferrer = {
    defer: async (task: DeferredTask): Promise<DeferReceipt> => {
      const receipt = await this.queue.defer(task);
      this.#deferred++;
      this.#calls.add(receipt.id, receipt.deferredAt);
      this.#start();
      return receipt;
    },
  };

  /** Resolves when the deferred task `id` is done (with its batch's message); rejects when it is dead. */
  completion(id: string): Promise<SimCallResult> {
    return this.#calls.completion(id);
  }

  /** The worker: a submission per minute while deferred calls wait, and a poller whenever batches are out. */
  #start(): void {
    if (this.#stop !== undefined) return;
    const stop = (this.#stop = new AbortController());
    const loop = (async () => {
      while (!stop.signal.aborted) {
        try {
          await this.#clock.sleep(BATCH_SUBMIT_EVERY_MS, stop.signal);
        } catch {
          return;
        }
        const at = this.#clock.now();
        const s = await submitBatches(this.queue, this.#client);
        this.#batches += s.submittedBatches.length;
        this.#submitted += s.submitted;
        this.#interactive += s.interactive;
        if (s.submittedBatches.length > 0) this.#submitTimes.push(at);
        // One poller at a time: a running one finds the new batches at its next look.
        if (this.#resuming === undefined) this.#resuming = this.#resume(stop.signal);
      }
    })();
    this.#track(loop);
  }

  #resume(signal: AbortSignal): Promise<void> {
    const resume = resumeBatches(this.queue, this.#client, {
      signal,
      poll: BATCH_POLL,
      costOf: (model, usage) => costOf(usage, priceOf(model)),
      onResult: (task, message) => {
        this.#calls.answer(task.id, { messageId: message.id, model: message.model });
      },
      onOutcome: (o) => this.#settled(o),
    }).then((summary) => {
      this.#interactiveCostUsd += summary.interactiveCostUsd;
      this.#batchCostUsd += summary.batchCostUsd;
      this.#savedUsd += summary.savedUsd;
    });
    const tracked = resume.finally(() => {
      this.#resuming = undefined;
    });
    this.#track(tracked);
    return tracked;
  }

  #track(p: Promise<unknown>): void {
    const tracked = p.then(
      () => undefined,
      (error: unknown) => {
        this.#problem ??= error;
        this.#calls.failAll(error);
        this.#idle();
      },
    );
    this.#loops.add(tracked);
    void tracked.finally(() => this.#loops.delete(tracked));
  }

  #settled(o: BatchTaskOutcome): void {
    this.#outcomes[o.outcome]++;
    if (o.outcome === 'dead') this.#calls.dead(o.task.id, o.reason, o.error);
    if (o.outcome === 'done') this.#calls.done(o.task.id);
    if (this.#calls.size === 0) this.#idle();
  }

  /** Nothing left to wait for: the worker stops (so the run's clock can run dry) and starts again at the next deferral. */
  #idle(): void {
    this.#stop?.abort();
    this.#stop = undefined;
  }

  /** Waits for the worker, closes the queue, deletes its directory; the log of what happened. */
  async finish(): Promise<BatchDeferralLog> {
    this.#idle();
    const loops = Promise.all(this.#loops);
    for (let turn = 0; turn < 10 && this.#loops.size > 0; turn++) await new Promise((resolve) => setImmediate(resolve));
    if (this.#loops.size > 0) this.#problem ??= new Error('the batch worker was still running when the run ended');
    else await loops;
    try {
      const finalCounts = await this.queue.counts();
      if (this.#problem !== undefined) throw this.#problem;
      return {
        deferred: this.#deferred,
        batchesSubmitted: this.#batches,
        submitted: this.#submitted,
        interactive: this.#interactive,
        outcomes: { ...this.#outcomes },
        interactiveCostUsd: this.#interactiveCostUsd,
        batchCostUsd: this.#batchCostUsd,
        savedUsd: this.#savedUsd,
        finalCounts,
        submitTimes: this.#submitTimes,
      };
    } finally {
      await this.queue.close();
      rmSync(this.#dir, { recursive: true, force: true });
    }
  }
}
