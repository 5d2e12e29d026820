import { InMemoryOverloadStore, systemClock, type Clock, type OverloadStoreOptions, type SharedPace } from '@stormwatch/core';

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
 * - `pace` (every pace Redis answers): the fleet's rate, pause and circuit as last read
 *   become this process's own, so a process that loses Redis mid-storm goes on at the
 *   fleet's last known pace — not calm, which would let its waiting calls out at once
 *   (a live fleet of 20 on 2 cores, its store timing out under load, sent a burst of 146
 *   529s that way where the simulator's fleet had 39). From there the rate grows, and is
 *   cut by the overloads met, as a lone process's does.
 */
export class LocalFallback {
  readonly store: InMemoryOverloadStore;

  constructor(options: OverloadStoreOptions, clock: Pick<Clock, 'now'> | undefined) {
    this.store = new InMemoryOverloadStore(options, clock === undefined ? systemClock : { now: () => clock.now(), sleep: systemClock.sleep });
  }

  /** Copies a shared pause. */
  sharedPause(key: string, ms: number): void {
    this.store.pause(key, ms).catch(ignoreClosed);
  }

  /** Copies a shared pace. */
  sharedPace(key: string, pace: SharedPace): void {
    this.store.adoptPace(key, pace);
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
