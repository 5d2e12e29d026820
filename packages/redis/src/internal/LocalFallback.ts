import { InMemoryOverloadStore, systemClock, type Clock, type OverloadStore, type OverloadStoreOptions } from '@stormwatch/core';

/**
 * The overload state of this process alone, which the Redis store answers from whenever
 * Redis cannot answer in time: an `InMemoryOverloadStore` with the same rules (the
 * reference semantics), reading the same clock.
 *
 * While Redis answers, some operations are copied here too, so that a failure in the
 * middle of a storm does not start from nothing:
 * - `pause`: a rate limit's reset time is a fact the server gave; it holds locally as well;
 * - `deposit` and `tryWithdraw` (when the fleet granted the retry): the local budget counts
 *   this process's own calls and retries, so a fleet that loses Redis does not get a full
 *   reserve of retries in every process at once.
 *
 * The admitted rate is *not* copied: this process cannot see the fleet's admissions, and an
 * estimate from its own would either pile local slots up far into the future (taking a
 * local slot for every call the fleet admitted sooner) or, with no admissions recorded,
 * cut to the floor at the second overload. So the rate is learned locally from the
 * overloads met while Redis is away, as a lone process does with the default store.
 */
export class LocalFallback {
  readonly store: OverloadStore;

  constructor(options: OverloadStoreOptions, clock: Pick<Clock, 'now'> | undefined) {
    this.store = new InMemoryOverloadStore(options, clock === undefined ? systemClock : { now: () => clock.now(), sleep: systemClock.sleep });
  }

  /** Copies a shared pause. */
  sharedPause(key: string, ms: number): void {
    this.store.pause(key, ms).catch(ignoreClosed);
  }

  /** Copies a shared deposit. */
  sharedDeposit(key: string, calls: number): void {
    this.store.deposit(key, calls).catch(ignoreClosed);
  }

  /** Copies a retry the fleet granted (taken locally too if the local budget has it). */
  sharedWithdrawal(key: string): void {
    this.store.tryWithdraw(key).catch(ignoreClosed);
  }
}

/** The in-memory store rejects only once closed, which this one never is; still, a copy must never become an unhandled rejection. */
function ignoreClosed(): void {}
