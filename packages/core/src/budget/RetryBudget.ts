import { WindowedCounter } from './WindowedCounter.js';

/** Options of a retry budget. */
export interface RetryBudgetOptions {
  /** Retries allowed per call, as a share of calls over the window. Defaults to 0.1 (10 %). */
  ratio?: number;
  /** Retries always allowed per second, however few calls there are. Defaults to 1. */
  minRetriesPerSecond?: number;
  /** How long deposits and withdrawals count, in milliseconds. Defaults to 10 s. */
  windowMs?: number;
}

/**
 * A retry budget in the manner of Finagle's `RetryBudget` and gRPC retry throttling: every
 * call deposits `ratio` of a retry, every retry withdraws one, both expire after
 * `windowMs`; a reserve of `minRetriesPerSecond · window` lets a quiet client retry at all.
 * Under a sustained overload, retries therefore stay near `ratio` of calls instead of
 * multiplying them.
 */
export class RetryBudget {
  readonly ratio: number;
  readonly minRetriesPerSecond: number;
  readonly windowMs: number;
  readonly #deposits: WindowedCounter;
  readonly #withdrawals: WindowedCounter;

  constructor(options: RetryBudgetOptions = {}) {
    const { ratio = 0.1, minRetriesPerSecond = 1, windowMs = 10_000 } = options;
    if (!(ratio >= 0 && ratio <= 1000)) throw new RangeError(`budget.ratio must be a number between 0 and 1000, got ${String(ratio)}`);
    if (!(minRetriesPerSecond >= 0) || !Number.isFinite(minRetriesPerSecond)) throw new RangeError(`budget.minRetriesPerSecond must be a finite number >= 0, got ${String(minRetriesPerSecond)}`);
    if (!(windowMs >= 1000) || !Number.isFinite(windowMs)) throw new RangeError(`budget.windowMs must be a finite number >= 1000 ms, got ${String(windowMs)}`);
    this.ratio = ratio;
    this.minRetriesPerSecond = minRetriesPerSecond;
    this.windowMs = windowMs;
    this.#deposits = new WindowedCounter(windowMs);
    this.#withdrawals = new WindowedCounter(windowMs);
  }

  /** Records a call (its first attempt). */
  deposit(now: number): void {
    this.#deposits.add(now, this.ratio);
  }

  /** Retries that may still be made now. */
  balance(now: number): number {
    const reserve = (this.minRetriesPerSecond * this.windowMs) / 1000;
    return reserve + this.#deposits.sum(now) - this.#withdrawals.sum(now);
  }

  /** Takes one retry from the budget; false (and nothing taken) when it is spent. */
  tryWithdraw(now: number): boolean {
    if (this.balance(now) < 1) return false;
    this.#withdrawals.add(now, 1);
    return true;
  }
}
