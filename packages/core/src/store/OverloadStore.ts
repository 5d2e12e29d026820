import type { AdaptiveRateOptions } from '../admission/AdaptiveRate.js';
import type { RetryBudgetOptions } from '../budget/RetryBudget.js';

/** A model's shared pace at one moment. */
export interface SharedPace {
  /** The admitted rate of the whole fleet, in requests per second; `Infinity` while calm. */
  readonly ratePerSecond: number;
  /** Milliseconds until a rate-limit pause ends; 0 when there is none. */
  readonly pausedForMs: number;
  /** Milliseconds the model's circuit stays open for the fleet (a process found it down); 0 when closed. */
  readonly circuitOpenForMs: number;
}

/** What every store is built from: the same rules in every process that shares it. */
export interface OverloadStoreOptions {
  /**
   * How the shared admitted rate is cut and grows: `AdaptiveRateOptions`, with the
   * defaults of a process's own rate except `doublingMs`, 2.5 s (`SHARED_RATE_DEFAULTS`).
   */
  readonly rate?: AdaptiveRateOptions;
  /** The shared retry budget per key. */
  readonly budget?: RetryBudgetOptions;
}

/**
 * Where the overload state of a model lives: in this process (`InMemoryOverloadStore`, the
 * default) or shared by a fleet (a Redis store). Keys are models; every operation is atomic
 * per key. Times are the store's own (a shared store reads one clock for every process), so
 * every answer is relative: milliseconds from now.
 *
 * The semantics are those of `InMemoryOverloadStore`, the reference every other store is
 * tested against: the rate of {@link AdaptiveRate}, one slot per `1 / rate` for the whole
 * fleet, a pause, and the retry budget of `RetryBudget`.
 */
export interface OverloadStore {
  /**
   * The rate rules the store applies (its `rate` options with the defaults filled in). A
   * policy on the store reads `doublingMs` from here for its admission estimates, and
   * refuses admission rate options of its own that disagree (with a shared store, the
   * store's rules are the fleet's). Optional for stores written before it existed.
   */
  readonly rateOptions?: Readonly<Required<AdaptiveRateOptions>>;
  /**
   * Takes the next admission slot of `key` if it is due now and answers 0; otherwise takes
   * nothing and answers the milliseconds until it is due (ask again then). While the model
   * is calm every slot is due; while paced, slots are `1 / rate` apart across everyone who
   * shares the store, at the rate of the moment (a slot is never booked ahead, so a rate
   * that grows back shortens every wait at once); during a pause none is due before its end.
   */
  reserveSlot(key: string): Promise<number>;
  /**
   * `calls` calls of `key` went without a slot (this process saw the model calm): they
   * count as admitted (the rate an overload cuts from) and the next slot is due no sooner
   * than `1 / rate` after now. Answers the milliseconds until the next slot is due (0 while
   * calm): more than 0 says the fleet is paced.
   */
  recordCalls(key: string, calls: number): Promise<number>;
  /**
   * An overload (529, `overloaded_error`, or a 429) met by a request sent `sentAgoMs` ago
   * (default 0): the shared rate is cut, at most once per cooldown, and only when the
   * request was sent after the last cut (one sent before it says nothing new).
   */
  reportOverload(key: string, sentAgoMs?: number): Promise<void>;
  /** Pauses `key` for `ms` (a rate limit's reset); a shorter pause never shortens a longer one. */
  pause(key: string, ms: number): Promise<void>;
  /**
   * A process's breaker changed its verdict on `key`: open for `openForMs` from now (the
   * model is down: nobody should call it until then), or 0 when it closed again (a probe
   * succeeded). The latest verdict wins, whichever process gives it.
   */
  setCircuit(key: string, openForMs: number): Promise<void>;
  /** The shared pace of `key`. */
  pace(key: string): Promise<SharedPace>;
  /** Retry budget: `calls` calls of `key` were made (default 1). */
  deposit(key: string, calls?: number): Promise<void>;
  /** Retry budget: takes one retry of `key` if the budget allows it; false (nothing taken) when spent. */
  tryWithdraw(key: string): Promise<boolean>;
  /** Releases connections; the store answers nothing after it. */
  close(): Promise<void>;
  /** How a shared store is doing (telemetry reads it), also once closed; a store of one process has no need for it. */
  health?(): StoreHealth;
}

/** How a shared store is doing at one moment. */
export interface StoreHealth {
  /** True while operations are shared; false while this process answers them from its local state. */
  readonly sharing: boolean;
  /** Operations answered locally because the shared state could not be used, since the store was made, by reason. */
  readonly localAnswers: Readonly<Record<string, number>>;
  /**
   * True once the store is closed: it answers nothing and shares nothing (`sharing` is then
   * false), and its `localAnswers` are final. Telemetry leaves a closed store out of the
   * process's sharing gauge. Absent (a store that predates it) means open.
   */
  readonly closed?: boolean;
}
