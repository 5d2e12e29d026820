import type { Clock, Usage } from '@stormwatch/core';
import type { ClaimedTask, DeadReason } from '../QueuedTask.js';
import type { BatchMessage } from './BatchClient.js';
import type { MalformedBatchResultError } from './MalformedBatchResultError.js';

/** What the result handler is given besides the task and the message. */
export interface BatchResultContext {
  /** The task's stable id (the request's `custom_id`): the idempotency key of the work. */
  readonly id: string;
  /** The Message Batch that answered. */
  readonly batchId: string;
}

/**
 * Takes a succeeded request's message (the SDK's `Message`) for its task; the task is `done`
 * once it resolves. When it throws, the task stays with its batch and the next
 * `resumeBatches` hands the same message again (the results stay downloadable 29 days).
 */
export type BatchResultHandler = (task: ClaimedTask, message: BatchMessage, context: BatchResultContext) => unknown;

/**
 * What became of one task on the batch path: a batch took it (`submitted`, from
 * `submitBatches`), then what its batch's result made of it (from `resumeBatches`); a task
 * whose deadline had passed when `submitBatches` claimed it is `dead` at once. `costUsd`
 * of a `done` task is what its request cost at the batch price, when `costOf` priced it.
 */
export type BatchTaskOutcome =
  | { readonly task: ClaimedTask; readonly batchId: string; readonly outcome: 'submitted' }
  | { readonly task: ClaimedTask; readonly batchId: string; readonly outcome: 'done'; readonly duplicate: boolean; readonly costUsd?: number }
  | { readonly task: ClaimedTask; readonly batchId: string; readonly outcome: 'retried'; readonly error: string }
  | { readonly task: ClaimedTask; readonly batchId: string; readonly outcome: 'released'; readonly why: string }
  /** `batchId` undefined: `submitBatches` found the task's deadline passed and sent it to `dead` before any batch. */
  | { readonly task: ClaimedTask; readonly batchId: string | undefined; readonly outcome: 'dead'; readonly reason: DeadReason; readonly error: string }
  | { readonly task: ClaimedTask; readonly batchId: string; readonly outcome: 'handler_failed'; readonly error: unknown };

/** Options of `submitBatches`, `resumeBatches` and `batchDeferred`. Durations in milliseconds of the queue's clock. */
export interface BatchOptions {
  /**
   * The batch window: a task goes to a batch only when its remaining deadline exceeds it
   * (tasks without a deadline always may). Defaults to 24 h, the longest a batch runs
   * before the API expires what it has not processed.
   */
  windowMs?: number;
  /**
   * How long a batch holds its tasks (their lease): no drain claims them before. Defaults to
   * `windowMs` + 6 h, room for the poller to be down a while after the batch ended. A task
   * whose hold runs out (the poller never came back) is claimable again: at least once.
   */
  holdMs?: number;
  /** Requests per batch. Defaults to 100 000, the API's limit. */
  maxRequests?: number;
  /** UTF-8 bytes of one batch's create request. Defaults to 256 MB (268 435 456), the API's limit. */
  maxBytes?: number;
  /** Most tasks one submission claims. Defaults to 100 000. */
  maxTasks?: number;
  /** Polling of a batch in progress: the first wait, doubled after each look, up to the cap. Defaults to `{ initialMs: 30 s, maxMs: 10 min }`. */
  poll?: { initialMs?: number; maxMs?: number };
  /** Error types of an errored request worth another try. Defaults to `overloaded_error`, `api_error`, `rate_limit_error`, `timeout_error`. */
  retryableErrorTypes?: readonly string[];
  /** Takes each succeeded message. Defaults to none (the task is marked done; keep the message elsewhere if you need it). */
  onResult?: BatchResultHandler;
  /**
   * USD a request's usage would cost at the interactive price, to report what batching
   * saved (half of it). With `@stormwatch/anthropic`:
   * `(model, usage) => costOf(usage, priceOf(model))`. Defaults to none (savings not reported).
   */
  costOf?: (model: string, usage: Usage) => number | undefined;
  /** Stops polling: the batches keep their tasks, and a later `resumeBatches` picks them up. */
  signal?: AbortSignal;
  /** Defaults to the queue's clock. */
  clock?: Clock;
  /**
   * Told what became of each task: `submitted` when a batch takes it, then its settlement.
   * What it throws is ignored. `instrumentQueue(queue).onBatchOutcome` counts them.
   */
  onOutcome?: (outcome: BatchTaskOutcome) => void;
}

/** What a submission, a resume or both did. */
export interface BatchSummary {
  /** Batches created by this call. */
  submittedBatches: string[];
  /** Tasks sent in them. */
  submitted: number;
  /** Tasks given back to `pending` for the interactive drain (deadline within the window, or too large for a batch). */
  interactive: number;
  /** Batches whose results were settled by this call. */
  endedBatches: string[];
  /** Batches still in progress when polling stopped. */
  inProgressBatches: string[];
  done: number;
  /** Of `done`, tasks that were done already (settled twice: at-least-once). */
  duplicates: number;
  retried: number;
  released: number;
  dead: number;
  /** Succeeded tasks whose result handler threw: still held by their batch. */
  handlerFailed: number;
  /** What the succeeded requests would have cost interactively, in USD (priced ones only). */
  interactiveCostUsd: number;
  /** What they cost in a batch (half). */
  batchCostUsd: number;
  /** The difference. */
  savedUsd: number;
  /** Succeeded requests that could not be priced (no `costOf`, or an unknown model). */
  unpriced: number;
  /** Lines of results files that were not results; their tasks went back to `pending`. */
  malformed: MalformedBatchResultError[];
}

export const BATCH_DEFAULTS = Object.freeze({
  windowMs: 24 * 3_600_000,
  holdExtraMs: 6 * 3_600_000,
  maxRequests: 100_000,
  maxBytes: 256 * 1024 * 1024,
  maxTasks: 100_000,
  pollInitialMs: 30_000,
  pollMaxMs: 10 * 60_000,
  retryableErrorTypes: Object.freeze(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error']),
});

/** Every option with its default. */
export interface ResolvedBatchOptions {
  readonly windowMs: number;
  readonly holdMs: number;
  readonly maxRequests: number;
  readonly maxBytes: number;
  readonly maxTasks: number;
  readonly pollInitialMs: number;
  readonly pollMaxMs: number;
  readonly retryable: (errorType: string) => boolean;
  readonly onResult: BatchResultHandler | undefined;
  readonly costOf: ((model: string, usage: Usage) => number | undefined) | undefined;
  readonly signal: AbortSignal | undefined;
  readonly clock: Clock;
  readonly onOutcome: ((outcome: BatchTaskOutcome) => void) | undefined;
}

/** Fills in the defaults; a bad value throws a `RangeError`/`TypeError` naming it. */
export function resolveBatchOptions(options: BatchOptions, queueClock: Clock, caller: string): ResolvedBatchOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${caller}: options must be an object, got ${String(options)}`);
  const positive = (name: string, value: number, integer = false) => {
    if (!(typeof value === 'number' && Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value)))) {
      throw new RangeError(`${caller}: ${name} must be a positive ${integer ? 'integer' : 'number of milliseconds'}, got ${String(value)}`);
    }
    return value;
  };
  const fn = <T>(name: string, value: T | undefined): T | undefined => {
    if (value !== undefined && typeof value !== 'function') throw new TypeError(`${caller}: ${name} must be a function, got ${typeof value}`);
    return value;
  };
  const windowMs = positive('windowMs', options.windowMs ?? BATCH_DEFAULTS.windowMs);
  const holdMs = positive('holdMs', options.holdMs ?? windowMs + BATCH_DEFAULTS.holdExtraMs);
  if (holdMs < windowMs) throw new RangeError(`${caller}: holdMs (${holdMs}) must be >= windowMs (${windowMs}): a batch holds its tasks at least as long as it may run`);
  const pollInitialMs = positive('poll.initialMs', options.poll?.initialMs ?? BATCH_DEFAULTS.pollInitialMs);
  const pollMaxMs = positive('poll.maxMs', options.poll?.maxMs ?? Math.max(pollInitialMs, BATCH_DEFAULTS.pollMaxMs));
  if (pollMaxMs < pollInitialMs) throw new RangeError(`${caller}: poll.maxMs (${pollMaxMs}) must be >= poll.initialMs (${pollInitialMs})`);
  const types = options.retryableErrorTypes ?? BATCH_DEFAULTS.retryableErrorTypes;
  if (!Array.isArray(types) || !types.every((t) => typeof t === 'string')) throw new TypeError(`${caller}: retryableErrorTypes must be an array of error type strings, got ${JSON.stringify(types)}`);
  const retryableSet = new Set(types);
  const clock = options.clock ?? queueClock;
  if (typeof clock?.now !== 'function' || typeof clock.sleep !== 'function') throw new TypeError(`${caller}: clock must have now() and sleep()`);
  return {
    windowMs,
    holdMs,
    maxRequests: Math.min(positive('maxRequests', options.maxRequests ?? BATCH_DEFAULTS.maxRequests, true), BATCH_DEFAULTS.maxRequests),
    maxBytes: Math.min(positive('maxBytes', options.maxBytes ?? BATCH_DEFAULTS.maxBytes, true), BATCH_DEFAULTS.maxBytes),
    maxTasks: positive('maxTasks', options.maxTasks ?? BATCH_DEFAULTS.maxTasks, true),
    pollInitialMs,
    pollMaxMs,
    retryable: (type) => retryableSet.has(type),
    onResult: fn('onResult', options.onResult),
    costOf: fn('costOf', options.costOf),
    signal: options.signal,
    clock,
    onOutcome: fn('onOutcome', options.onOutcome),
  };
}

/** A summary with nothing in it. */
export function emptyBatchSummary(): BatchSummary {
  return {
    submittedBatches: [],
    submitted: 0,
    interactive: 0,
    endedBatches: [],
    inProgressBatches: [],
    done: 0,
    duplicates: 0,
    retried: 0,
    released: 0,
    dead: 0,
    handlerFailed: 0,
    interactiveCostUsd: 0,
    batchCostUsd: 0,
    savedUsd: 0,
    unpriced: 0,
    malformed: [],
  };
}

/** Tells `onOutcome` (if any) what became of a task; what it throws never changes what happened to the task. */
export function reportBatchOutcome(o: ResolvedBatchOptions, outcome: BatchTaskOutcome): void {
  try {
    o.onOutcome?.(outcome);
  } catch {
    // A listener's fault never changes what happened to the task.
  }
}
