import type { Tracer, TracerProvider } from '@opentelemetry/api';
import type { Clock } from '@stormwatch/core';
import { isRetryableTaskError } from '../decide/isRetryableTaskError.js';
import type { TaskBackoff } from '../decide/taskRetryDelay.js';
import type { ClaimedTask } from '../QueuedTask.js';
import type { DrainOutcome } from './DrainOutcome.js';
import { drainTracer } from './traceTask.js';

/** What a handler is given besides the task. */
export interface DrainContext {
  /** The task's stable id: use it as the idempotency key of the work (at-least-once delivery). */
  readonly id: string;
  /**
   * Aborts when the drain is told to stop. Pass it to the call (`messages.create(body,
   * { signal })`) to give the task back at once (it is released to `pending`, its attempt not
   * counted); ignore it to let the call finish first.
   */
  readonly signal: AbortSignal;
  /** Milliseconds left until the task's original deadline, for the call's `deadlineMs`; `undefined` without one. */
  readonly remainingMs: number | undefined;
  /** This attempt's number, from 1. */
  readonly attempt: number;
}

/**
 * Runs one deferred task; resolves when the work is done, rejects when it failed. It
 * typically calls the same resilient client (without `defer`), so the policy's admission
 * paces the drain at the rate the model accepts now.
 */
export type DrainHandler = (task: ClaimedTask, context: DrainContext) => Promise<unknown>;

export type { DrainOutcome };

/** Options of {@link drainDeferred}. All durations in milliseconds. */
export interface DrainOptions {
  /** Stops the drain: no new claim; what runs finishes, or is released if its handler gives up on the signal. */
  signal?: AbortSignal;
  /**
   * Most tasks run at once. Defaults to 4. The drain adds no pace of its own: the policy's
   * admission control sends the calls at the rate the model accepts; this only bounds how
   * many wait for it (and hold a lease) at a time.
   */
  concurrency?: number;
  /**
   * How long a claim holds a task, renewed every third of it while its handler runs; a
   * process that dies holds its tasks this long at most. Defaults to 60 s.
   */
  leaseMs?: number;
  /** Longest wait between two looks at the queue when nothing is due. Defaults to 1 s. */
  pollMs?: number;
  /**
   * Resolve once nothing is due and nothing runs (a batch job), instead of waiting for more
   * work until `signal` (a worker). Defaults to false.
   */
  stopWhenIdle?: boolean;
  /** Attempts of a task before it goes to `dead` (`max_attempts`). Defaults to 10. */
  maxAttempts?: number;
  /** Full-jitter backoff of a failed task. Defaults to `{ baseMs: 5 s, capMs: 5 min }`. */
  backoff?: Partial<TaskBackoff>;
  /**
   * Is this handler error worth retrying? Defaults to `isRetryableTaskError` (not for HTTP
   * 400, 401, 403, 404, 413, 422; yes for anything else).
   */
  retryable?: (error: unknown) => boolean;
  /** Defaults to the queue's clock. */
  clock?: Clock;
  /** Source of the backoff's jitter, in [0, 1). Defaults to `Math.random`. */
  random?: () => number;
  /** Told what became of each task (progress). What it throws is reported as a process warning, never changes the drain. */
  onOutcome?: (outcome: DrainOutcome) => void;
  /**
   * Where each task's `stormwatch.queue.task` span goes (linked to the deferred call's span).
   * Defaults to the global tracer provider (`trace.getTracerProvider()`): no spans until the
   * application registers an OpenTelemetry SDK.
   */
  tracerProvider?: TracerProvider;
}

/** Every option with its default. */
export interface ResolvedDrainOptions {
  readonly signal: AbortSignal | undefined;
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly pollMs: number;
  readonly stopWhenIdle: boolean;
  readonly maxAttempts: number;
  readonly backoff: TaskBackoff;
  readonly retryable: (error: unknown) => boolean;
  readonly clock: Clock;
  readonly random: () => number;
  readonly onOutcome: ((outcome: DrainOutcome) => void) | undefined;
  readonly tracer: Tracer;
}

/** Fills in the defaults; a bad value throws a `RangeError`/`TypeError` naming it. */
export function resolveDrainOptions(options: DrainOptions, queueClock: Clock): ResolvedDrainOptions {
  const positive = (name: string, value: number, integer: boolean) => {
    if (!(typeof value === 'number' && Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value)))) {
      throw new RangeError(`drainDeferred: ${name} must be a positive ${integer ? 'integer' : 'number of milliseconds'}, got ${String(value)}`);
    }
    return value;
  };
  const fn = <T>(name: string, value: T | undefined): T | undefined => {
    if (value !== undefined && typeof value !== 'function') throw new TypeError(`drainDeferred: ${name} must be a function, got ${typeof value}`);
    return value;
  };
  const baseMs = positive('backoff.baseMs', options.backoff?.baseMs ?? 5_000, false);
  const capMs = positive('backoff.capMs', options.backoff?.capMs ?? 5 * 60_000, false);
  if (capMs < baseMs) throw new RangeError(`drainDeferred: backoff.capMs (${capMs}) must be >= backoff.baseMs (${baseMs})`);
  return {
    signal: options.signal,
    concurrency: positive('concurrency', options.concurrency ?? 4, true),
    leaseMs: positive('leaseMs', options.leaseMs ?? 60_000, false),
    pollMs: positive('pollMs', options.pollMs ?? 1_000, false),
    stopWhenIdle: options.stopWhenIdle ?? false,
    maxAttempts: positive('maxAttempts', options.maxAttempts ?? 10, true),
    backoff: { baseMs, capMs },
    retryable: fn('retryable', options.retryable) ?? isRetryableTaskError,
    clock: options.clock ?? queueClock,
    random: fn('random', options.random) ?? Math.random,
    onOutcome: fn('onOutcome', options.onOutcome),
    tracer: drainTracer(tracerProviderOf(options.tracerProvider)),
  };
}

function tracerProviderOf(value: unknown): TracerProvider | undefined {
  if (value === undefined) return undefined;
  if (typeof (value as TracerProvider | null)?.getTracer !== 'function') throw new TypeError(`drainDeferred: tracerProvider must be an OpenTelemetry TracerProvider (with getTracer), got ${String(value)}`);
  return value as TracerProvider;
}
