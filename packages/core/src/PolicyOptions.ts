import type { IBreaker } from 'cockatiel';
import type { Deferrer } from './abandon/Deferrer.js';
import type { Classifier } from './Classification.js';
import type { Clock } from './clock/Clock.js';
import type { Random } from './random.js';
import type { RetryBudgetOptions } from './budget/RetryBudget.js';
import type { AimdLimiterOptions } from './limiter/AimdLimiter.js';
import type { Backoff } from './backoff/Backoff.js';
import type { AdaptiveRateOptions } from './admission/AdaptiveRate.js';
import type { OverloadStore } from './store/OverloadStore.js';

/** Backoff between attempts. */
export type BackoffOptions =
  | { kind?: 'full_jitter'; baseMs?: number; capMs?: number }
  | { kind: 'decorrelated_jitter'; baseMs?: number; capMs?: number }
  | Backoff;

/** Circuit breaker per key (model). */
export interface BreakerOptions {
  /**
   * When to open: a number of consecutive failures (cockatiel's `ConsecutiveBreaker`),
   * `{ sampling }` for cockatiel's `SamplingBreaker` (note: it samples wall-clock time),
   * or a factory of any cockatiel `IBreaker`. Defaults to 5 consecutive failures.
   */
  threshold?: number | { sampling: { threshold: number; durationMs: number; minimumRps?: number } } | (() => IBreaker);
  /**
   * How long the circuit stays open before one probe may go through, in ms, the first time.
   * Defaults to 5 s with admission control on, 30 s with it off.
   */
  halfOpenAfterMs?: number;
  /**
   * Each probe that fails doubles the open time, up to this, in ms; a success resets it.
   * Defaults to 60 s with admission control on; with it off, to `halfOpenAfterMs` (a fixed open time).
   */
  maxHalfOpenAfterMs?: number;
  /**
   * With a shared `store` (and admission control on): a process whose breaker opens tells
   * the fleet, and every process refuses the model (or falls back) until the opener's probe
   * closes it. Defaults to false: one process's streak of failures is weak evidence that a
   * model is down for everyone — in the storm lab's reset wave (30 % of connections reset),
   * a shared verdict refused 208 calls of the fleet where each process's own breaker
   * refused 4. Turn it on where one process's breaker is evidence for all (few processes,
   * a high threshold).
   */
  shared?: boolean;
}

/**
 * Admission control per model: when a model is overloaded, calls wait in a queue (earliest
 * deadline first) and are sent at the rate the model accepts, learned from outcomes.
 */
export interface AdmissionOptions extends AdaptiveRateOptions {
  /** Calls that may wait per model; one more is refused (`queue_full`). Defaults to 1000. */
  maxQueue?: number;
  /**
   * A call that may fall back and whose turn would come later than this goes to the next
   * model of its chain at once instead of waiting, in ms. Defaults to 2 s.
   */
  fallbackAfterMs?: number;
}

/** The fallback model chain. */
export interface FallbackOptions {
  /** Models to try after the requested one, in order (e.g. Sonnet, then Haiku). */
  models: readonly string[];
  /** Overload failures (529) on one model before moving to the next. Defaults to 2. */
  afterOverloads?: number;
  /** Whether calls may fall back unless the call site says otherwise. Defaults to true. */
  allow?: boolean;
}

/** Hedged abandonment: what to do when waiting and retrying is not the best use of the deadline. */
export interface AbandonOptions {
  /** Where deferred calls go. Without one, no call is deferred. */
  deferrer?: Deferrer;
  /** Defer (instead of retrying now) when at least this much of the deadline remains, in ms. Defaults to 5 min. */
  deferIfRemainingMs?: number;
  /** Fall back to the cheapest model (the last of the chain) when less than this remains, in ms. Defaults to 10 s. */
  fallbackIfRemainingMs?: number;
  /**
   * Defer (instead of waiting for admission) a call whose turn in the model's admission queue
   * would come more than this from now, in ms, when it may be deferred and at least
   * `deferIfRemainingMs` of its deadline remains — so work does not pile up in memory
   * during a long overload. A refused deferral waits after all. Defaults to 30 s.
   */
  deferIfWaitOverMs?: number;
}

/** Concurrency bulkhead (cockatiel's `BulkheadPolicy`). */
export interface BulkheadOptions {
  maxConcurrent: number;
  /** Calls that may wait for a slot. Defaults to 0. */
  maxQueue?: number;
}

/** Everything a policy can be told. All durations in milliseconds. */
export interface PolicyOptions {
  /** `stormwatch.policy`. Defaults to `'default'`. */
  name?: string;
  /** Turns an attempt's error into a decision. Required: adapters provide one. */
  classify: Classifier;
  /** Defaults to the system clock. */
  clock?: Clock;
  /** Defaults to `Math.random`. */
  random?: Random;
  /** Attempts per call, the first included (so 3 means up to 2 retries). Defaults to 3. */
  maxAttempts?: number;
  /** Defaults to full jitter with base 1 s and cap 60 s. */
  backoff?: BackoffOptions;
  /** Longest server `retry-after` honoured; longer hints are clamped to it. Defaults to 60 s. */
  maxRetryAfterMs?: number;
  /** Longest total wait between attempts of one call. Defaults to 60 s. */
  maxTotalDelayMs?: number;
  /** Default per-call deadline, from the call's start. Defaults to none. */
  deadlineMs?: number;
  /** Retry budget per key, or false for none. Defaults to 10 % of calls plus 1 retry/s. */
  budget?: RetryBudgetOptions | false;
  /**
   * Circuit breaker per model, or false for none. Defaults to 5 consecutive failures. With
   * admission control on, only failures that are not overload or rate limits count (a model
   * that is down, not one that is busy), and the open time adapts from 5 s to 60 s.
   */
  breaker?: BreakerOptions | false;
  /**
   * Admission control per model, or false for none (the 0.1 behaviour: overloads retried
   * with backoff, counted by the breaker). Defaults to on.
   */
  admission?: AdmissionOptions | false;
  /**
   * Where the overload state lives. Defaults to this process (nothing shared). With a shared
   * store (`redisStore({ url })` from `@stormwatch/redis`) every process on it admits calls
   * on one schedule, learns one rate, honours one rate-limit pause, spends one retry budget
   * and, with `breaker.shared`, hears every process's breaker per model (all but the budget through admission
   * control, on by default); the queue of waiting calls stays in each process, and so does
   * the budget's reserve (`budget.minRetriesPerSecond`: a fleet of N keeps N reserves; the
   * pooled share of calls is the store's `budget.ratio`, plus the store's own reserve). The store's own
   * `rate` and `budget` options then rule: set the rate options on the store; an `admission`
   * rate option that disagrees with the store's `rateOptions` throws a TypeError naming it.
   * The policy does not close it.
   */
  store?: OverloadStore;
  /** Fallback model chain. Defaults to none. */
  fallback?: FallbackOptions;
  /** Hedged abandonment. Defaults to none (no deferral, no deadline fallback). */
  abandon?: AbandonOptions;
  /** Adaptive rate limiter per model, or false. Defaults to false. */
  limiter?: AimdLimiterOptions | false;
  /** Concurrency bulkhead, or false. Defaults to false. */
  bulkhead?: BulkheadOptions | false;
}

/** Options of one call to `Policy.execute`. */
export interface CallOptions {
  /** The model asked for; also the key of the breaker, budget and limiter. */
  model: string;
  /** Ends the call (and any wait) at once. */
  signal?: AbortSignal;
  /** This call's deadline in ms from now; overrides the policy's `deadlineMs`. */
  deadlineMs?: number;
  /** May this call site fall back to another model? Defaults to the policy's `fallback.allow`. */
  allowFallback?: boolean;
  /** Handed to the Deferrer if the call is deferred; a call without one is never deferred. */
  deferPayload?: unknown;
}
