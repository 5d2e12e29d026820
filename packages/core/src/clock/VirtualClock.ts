import { abortReason } from './abortReason.js';
import type { Clock } from './Clock.js';

interface Timer {
  readonly dueAt: number;
  readonly seq: number;
  readonly resolve: () => void;
  readonly cleanup: () => void;
}

/** Lets every pending promise continuation (and whatever it schedules with setImmediate) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Deterministic virtual time. `sleep()` resolves only when {@link advance} (or
 * {@link runNext}) moves time past its due time; sleepers due at the same time wake in the
 * order they went to sleep, and each wake-up is allowed to settle before the next.
 *
 * @example
 * const clock = new VirtualClock();
 * const done = clock.sleep(30_000);
 * await clock.advance(30_000); // `done` is now resolved, without waiting 30 s
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers: Timer[] = [];

  /** @param startMs the initial time in milliseconds. Defaults to 0. */
  constructor(startMs = 0) {
    if (!Number.isFinite(startMs)) throw new RangeError(`VirtualClock: startMs must be a finite number, got ${String(startMs)}`);
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  /** Number of sleepers not yet woken. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Due time of the next sleeper, or `undefined` when none. */
  get nextDueAt(): number | undefined {
    return this.#timers[0]?.dueAt;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#remove(timer);
        reject(abortReason(signal!));
      };
      const timer: Timer = {
        dueAt: this.#now + Math.max(0, Number.isFinite(ms) ? ms : 0),
        seq: this.#seq++,
        resolve,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      this.#insert(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Moves time forward by `ms`, waking due sleepers in time order and letting each
   * wake-up settle before the next; then lets pending work settle once more.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`VirtualClock.advance: ms must be >= 0, got ${String(ms)}`);
    const target = this.#now + ms;
    await settle();
    for (let next = this.#timers[0]; next !== undefined && next.dueAt <= target; next = this.#timers[0]) {
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.dueAt);
      next.cleanup();
      next.resolve();
      await settle();
    }
    this.#now = Math.max(this.#now, target);
  }

  /** Advances to the next sleeper's due time and wakes it. Returns false when none is pending. */
  async runNext(): Promise<boolean> {
    await settle();
    const next = this.#timers[0];
    if (next === undefined) return false;
    await this.advance(next.dueAt - this.#now);
    return true;
  }

  /**
   * Wakes sleepers until none is left (new sleepers included).
   * @param maxTimers guard against a loop that always schedules another sleep. Defaults to 100 000.
   * @returns the number of sleepers woken.
   */
  async runAll(maxTimers = 100_000): Promise<number> {
    let woken = 0;
    while (await this.runNext()) {
      if (++woken >= maxTimers) throw new RangeError(`VirtualClock.runAll: more than ${maxTimers} timers; is something sleeping in a loop?`);
    }
    return woken;
  }

  #insert(timer: Timer): void {
    // Binary search keeps the list ordered by (dueAt, seq).
    let lo = 0;
    let hi = this.#timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = this.#timers[mid]!;
      if (t.dueAt < timer.dueAt || (t.dueAt === timer.dueAt && t.seq < timer.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.#timers.splice(lo, 0, timer);
  }

  #remove(timer: Timer): void {
    const i = this.#timers.indexOf(timer);
    if (i >= 0) this.#timers.splice(i, 1);
    timer.cleanup();
  }
}
