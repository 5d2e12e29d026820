import { Coalescer } from '../store/Coalescer.js';
import type { StoreOperations } from '../store/StoreOperations.js';

/** A retry budget as the policy uses it: one of this process ({@link RetryBudget}) or one a fleet shares ({@link SharedBudget}). */
export interface Budget {
  /** Records a call (its first attempt). */
  deposit(now: number): void;
  /** Takes one retry; false (nothing taken) when the budget is spent. */
  tryWithdraw(now: number): boolean | Promise<boolean>;
}

/**
 * The retry budget of a model shared by everyone on one store: every process's calls fill
 * it and every process's retries spend it, so a fleet retries at most the budget's share of
 * the fleet's calls. A deposit does not wait for the store (deposits made meanwhile go in
 * one operation); a withdrawal, made only before a retry, does.
 */
export class SharedBudget implements Budget {
  readonly #deposits: Coalescer;

  constructor(
    private readonly store: StoreOperations,
    private readonly key: string,
  ) {
    this.#deposits = new Coalescer((calls) => this.store.deposit(this.key, calls));
  }

  deposit(): void {
    this.#deposits.add();
  }

  tryWithdraw(): Promise<boolean> {
    return this.store.tryWithdraw(this.key);
  }
}
