import { WindowedCounter } from '../budget/WindowedCounter.js';
import { timeToAdmit } from './timeToAdmit.js';

/** Options of the admitted rate a model learns from outcomes. */
export interface AdaptiveRateOptions {
  /** Lowest admitted rate, in requests per second: probing never stops. Defaults to 0.02 (one per 50 s). */
  minRate?: number;
  /** Factor applied to the rate on an overload (multiplicative decrease). Defaults to 0.5. */
  decreaseFactor?: number;
  /** At most one decrease per this many ms, so one wave of 529s cuts once. Defaults to 1 s. */
  decreaseCooldownMs?: number;
  /** Without overload, the admitted rate doubles every this many ms (gentle probing). Defaults to 10 s. */
  doublingMs?: number;
  /**
   * With no overload for this long, and a grown rate of at least `calmRate` and twice the
   * rate observed, the model is calm again: admission stops pacing. Defaults to 30 s.
   */
  calmAfterMs?: number;
  /** Window over which the admitted rate is observed, in ms. Defaults to 10 s. */
  observeWindowMs?: number;
  /**
   * The first overload of a calm model cuts from at least this rate, in requests per
   * second, so a process that sends little retries its call within about a second (like a
   * backoff's first step) instead of at its own slow pace. Defaults to 2.
   */
  calmRate?: number;
}

/**
 * The defaults of {@link AdaptiveRateOptions}, for whoever needs them beside an
 * `AdaptiveRate` (a shared store's scripts, documentation): rates in requests per second,
 * durations in milliseconds.
 */
export const ADAPTIVE_RATE_DEFAULTS: Readonly<Required<AdaptiveRateOptions>> = Object.freeze({
  minRate: 0.02,
  decreaseFactor: 0.5,
  decreaseCooldownMs: 1000,
  doublingMs: 10_000,
  calmAfterMs: 30_000,
  observeWindowMs: 10_000,
  calmRate: 2,
});

/**
 * The rate at which a model currently accepts requests, learned from outcomes in the
 * manner of TCP congestion control (AIMD): an overload (HTTP 529, an SSE `overloaded_error`)
 * cuts it to `decreaseFactor` of what was being admitted; without overload it doubles every
 * `doublingMs`. The growth is time-based, not counted per answer: one of fifty processes
 * in a storm sees an answer every half minute, too few to learn from, while time tells
 * every process alike that the overload may be over (in the storm lab, growth per answer
 * gave the same success with a quarter more 529s). Calm again once no overload was seen
 * for `calmAfterMs` and the rate has grown past what the process asks for.
 *
 * `Infinity` means calm: admission lets every call through at once.
 */
export class AdaptiveRate {
  readonly minRate: number;
  readonly decreaseFactor: number;
  readonly decreaseCooldownMs: number;
  readonly doublingMs: number;
  readonly calmAfterMs: number;
  readonly calmRate: number;
  /** Window over which the admitted rate is observed, in ms. */
  readonly observeWindowMs: number;
  readonly #admitted: WindowedCounter;
  /** The rate at `#anchor`, from which it grows; Infinity when calm. */
  #base = Number.POSITIVE_INFINITY;
  /** Clock time from which the rate grows (the last decrease). */
  #anchor = Number.NEGATIVE_INFINITY;
  /** Clock time of the last decrease. */
  #lastDecreaseAt = Number.NEGATIVE_INFINITY;

  constructor(options: AdaptiveRateOptions = {}) {
    const d = ADAPTIVE_RATE_DEFAULTS;
    const {
      minRate = d.minRate,
      decreaseFactor = d.decreaseFactor,
      decreaseCooldownMs = d.decreaseCooldownMs,
      doublingMs = d.doublingMs,
      calmAfterMs = d.calmAfterMs,
      observeWindowMs = d.observeWindowMs,
      calmRate = d.calmRate,
    } = options;
    if (!(calmRate >= 0) || !Number.isFinite(calmRate)) throw new RangeError(`admission.calmRate must be a finite number of requests per second >= 0, got ${String(calmRate)}`);
    if (!(minRate > 0) || !Number.isFinite(minRate)) throw new RangeError(`admission.minRate must be a positive number of requests per second, got ${String(minRate)}`);
    if (!(decreaseFactor > 0 && decreaseFactor < 1)) throw new RangeError(`admission.decreaseFactor must be between 0 and 1 (exclusive), got ${String(decreaseFactor)}`);
    for (const [name, value, min] of [
      ['decreaseCooldownMs', decreaseCooldownMs, 0],
      ['doublingMs', doublingMs, 1],
      ['calmAfterMs', calmAfterMs, 0],
      ['observeWindowMs', observeWindowMs, 1000],
    ] as const) {
      if (!(value >= min) || !Number.isFinite(value)) throw new RangeError(`admission.${name} must be a finite number of milliseconds >= ${min}, got ${String(value)}`);
    }
    this.minRate = minRate;
    this.decreaseFactor = decreaseFactor;
    this.decreaseCooldownMs = decreaseCooldownMs;
    this.doublingMs = doublingMs;
    this.calmAfterMs = calmAfterMs;
    this.calmRate = calmRate;
    this.observeWindowMs = observeWindowMs;
    this.#admitted = new WindowedCounter(observeWindowMs);
  }

  /** Every option as this rate applies it (the defaults filled in), frozen. */
  get options(): Readonly<Required<AdaptiveRateOptions>> {
    const { minRate, decreaseFactor, decreaseCooldownMs, doublingMs, calmAfterMs, observeWindowMs, calmRate } = this;
    return Object.freeze({ minRate, decreaseFactor, decreaseCooldownMs, doublingMs, calmAfterMs, observeWindowMs, calmRate });
  }

  /** The admitted rate at `now`, in requests per second; `Infinity` when calm. */
  rate(now: number): number {
    if (this.#base === Number.POSITIVE_INFINITY) return this.#base;
    const grown = this.#base * 2 ** (Math.max(0, now - this.#anchor) / this.doublingMs);
    // Calm again only once the rate no longer binds: no overload for a while, and room for twice the demand.
    if (now - this.#lastDecreaseAt >= this.calmAfterMs && grown >= Math.max(this.calmRate, 2 * this.observedRate(now))) {
      this.#base = Number.POSITIVE_INFINITY;
      return this.#base;
    }
    return grown;
  }

  /**
   * Milliseconds from `at` until `count` more calls are admitted, if the rate keeps growing
   * as it does without overload (doubling every `doublingMs`): the integral of the rate
   * from `at` reaches `count`. 0 while calm.
   */
  timeToAdmit(at: number, count: number): number {
    return timeToAdmit(this.rate(at), this.doublingMs, count);
  }

  /** True while the model is paced (an overload was seen within `calmAfterMs`). */
  paced(now: number): boolean {
    return this.rate(now) !== Number.POSITIVE_INFINITY;
  }

  /** Records an admission (for the observed rate an overload cuts from). */
  admitted(now: number): void {
    this.#admitted.add(now, 1);
  }

  /** Requests per second admitted over the observation window. */
  observedRate(now: number): number {
    return this.#admitted.sum(now) / (this.observeWindowMs / 1000);
  }

  /**
   * Takes a rate learned elsewhere — a shared store's, as last read — as this one's, as of
   * `now`: it grows from there as any rate does, and `Infinity` makes it calm. (A shared
   * store's local fallback keeps the fleet's pace this way, so losing the store mid-storm
   * does not turn a paced process loose.)
   */
  adopt(ratePerSecond: number, now: number): void {
    if (!(ratePerSecond > 0)) return;
    this.#base = ratePerSecond;
    this.#anchor = now;
    if (ratePerSecond !== Number.POSITIVE_INFINITY) this.#lastDecreaseAt = now;
  }

  /**
   * The model said it is overloaded: cut the rate to `decreaseFactor` of what it admits
   * (the lower of the learned rate and the rate observed; from calm, the higher of the
   * observed rate and `calmRate`). `sentAt` is when the request that met the overload was
   * sent (defaults to now): one sent before the last cut is no news and cuts nothing.
   * Returns true when it changed.
   */
  onOverload(now: number, sentAt = now): boolean {
    if (now - this.#lastDecreaseAt < this.decreaseCooldownMs) return false;
    // A request sent before the last cut met the overload that cut already: nothing new.
    if (sentAt < this.#lastDecreaseAt) return false;
    const rate = this.rate(now);
    const observed = this.observedRate(now);
    const current = rate === Number.POSITIVE_INFINITY ? Math.max(observed, this.calmRate) : Math.min(rate, observed);
    this.#base = Math.max(this.minRate, current * this.decreaseFactor);
    this.#anchor = now;
    this.#lastDecreaseAt = now;
    return true;
  }
}
