import { Coalescer } from '../store/Coalescer.js';
import { RetryBudget, type RetryBudgetOptions } from './RetryBudget.js';
import type { StoreOperations } from '../store/StoreOperations.js';

/** A retry budget as the policy uses it: one of this process ({@link RetryBudget}) or one a fleet shares ({@link SharedBudget}). */
export interface Budget {
  /** Records a call (its first attempt). */
  deposit(now: number): void;
  /** Takes one retry; false (nothing taken) when the budget is spent. */
  tryWithdraw(now: number): boolean | Promise<boolean>;
}

/**
 * The retry budget of a model for a process on a shared store: the share of calls is the
 * fleet's, the reserve is the process's own.
 *
 * - Every process's calls fill the store's pool and every process's retries spend it, so
 *   the fleet retries the budget's `ratio` of the fleet's calls (plus the store's own
 *   reserve), wherever the failures fall. A deposit does not wait for the store (deposits
 *   made meanwhile go in one operation); a withdrawal, made only before a retry, does.
 * - The reserve that lets a quiet process retry at all (`minRetriesPerSecond` of the
 *   policy's `budget`) stays in the process and is spent first: a fleet of N processes
 *   keeps the N reserves it had without a store, instead of one reserve for all of them.
 */
export class SharedBudget implements Budget {
  readonly #deposits: Coalescer;
  readonly #reserve: RetryBudget;

  constructor(
    private readonly store: StoreOperations,
    private readonly key: string,
    options: RetryBudgetOptions,
  ) {
    this.#deposits = new Coalescer((calls) => this.store.deposit(this.key, calls));
    this.#reserve = new RetryBudget({ ...options, ratio: 0 });
  }

  deposit(): void {
    this.#deposits.add();
  }

  tryWithdraw(now: number): boolean | Promise<boolean> {
    return this.#reserve.tryWithdraw(now) || this.store.tryWithdraw(this.key);
  }
}
