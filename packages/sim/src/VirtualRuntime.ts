/**
 * Runs third-party code (the Anthropic SDK's retry sleep and request timeout,
 * cockatiel's retry delay and breaker clock) in the simulation's virtual time.
 *
 * The storm lab's one time source is a virtual clock ({@link DrivableClock}, core's
 * `VirtualClock`). Code that takes a clock (Stormwatch's policy, the simulated
 * service, the fleet) gets it directly. Code that does not — the SDK calls the global
 * `setTimeout` and `Math.random`, cockatiel the global `setTimeout`, `Date.now` and
 * `Math.random` — sees, while the runtime is installed, globals that route to the same
 * clock and to a seeded random source. There is no second timer queue to keep in
 * agreement: a patched `setTimeout(fn, ms)` is `clock.sleep(ms)` followed by `fn`.
 *
 * {@link VirtualRuntime.run} then drives the clock: fire the next due timer, let every
 * promise continuation it caused run to completion (one macrotask turn through the real
 * `setImmediate`, which Node runs only after the microtask queue is empty), repeat. No
 * real I/O and no real timer is involved, so the order of events — and every number —
 * depends on the seed only.
 */
import type { Clock, Random } from '@stormwatch/core';

/** A virtual clock the runtime can drive (core's `VirtualClock` is one). */
export interface DrivableClock extends Clock {
  /** Advances to the next pending timer and fires it; false when none is pending. */
  runNext(): Promise<boolean>;
  readonly pendingTimers: number;
}

/** `Date.now()` at virtual time 0: 2026-01-01T00:00:00Z, fixed so runs do not depend on the wall clock. */
export const VIRTUAL_EPOCH_MS = Date.UTC(2026, 0, 1);

const realSetImmediate = globalThis.setImmediate;
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
const realDateNow = Date.now;
const realRandom = Math.random;

/** Lets every pending microtask (and nextTick) run: resolves on the next macrotask turn. */
export function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

/** The handle a patched `setTimeout` returns (shaped like Node's `Timeout`). */
class VirtualTimeout {
  #controller = new AbortController();
  #refed = true;
  readonly #start: () => AbortController;

  constructor(start: (signal: AbortSignal) => void) {
    this.#start = () => {
      const c = new AbortController();
      start(c.signal);
      return c;
    };
    this.#controller = this.#start();
  }
  cancel(): void {
    this.#controller.abort();
  }
  ref(): this {
    this.#refed = true;
    return this;
  }
  unref(): this {
    this.#refed = false;
    return this;
  }
  hasRef(): boolean {
    return this.#refed;
  }
  refresh(): this {
    this.#controller.abort();
    this.#controller = this.#start();
    return this;
  }
  close(): this {
    this.cancel();
    return this;
  }
}

let installed = false;

export interface RunOptions {
  /** Called now and then with the virtual time, for progress display. */
  onProgress?: (nowMs: number) => void;
  /** Stops once virtual time passes this many ms even if timers remain (a safety net). */
  stopAtMs?: number;
}

export class VirtualRuntime {
  readonly clock: DrivableClock;
  readonly #random: Random;

  constructor(clock: DrivableClock, random: Random) {
    this.clock = clock;
    this.#random = random;
  }

  /**
   * Replaces `setTimeout`, `clearTimeout`, `Date.now` and `Math.random` with the virtual
   * ones until the returned function is called. Only one runtime may be installed at a time.
   */
  install(): () => void {
    if (installed) throw new Error('a VirtualRuntime is already installed');
    installed = true;
    const clock = this.clock;
    const g = globalThis as unknown as Record<string, unknown>;
    const saved = { setTimeout: g.setTimeout, clearTimeout: g.clearTimeout };
    g.setTimeout = (fn: unknown, ms?: number, ...args: unknown[]) => {
      if (typeof fn !== 'function') throw new TypeError('setTimeout: callback must be a function');
      const delay = Number.isFinite(ms) && (ms as number) > 0 ? (ms as number) : 0;
      return new VirtualTimeout((signal) => {
        clock.sleep(delay, signal).then(
          () => (fn as (...a: unknown[]) => void)(...args),
          () => undefined,
        );
      });
    };
    g.clearTimeout = (handle: unknown) => {
      if (handle instanceof VirtualTimeout) handle.cancel();
      else if (handle !== undefined && handle !== null) realClearTimeout(handle as Parameters<typeof clearTimeout>[0]);
    };
    Date.now = () => VIRTUAL_EPOCH_MS + Math.floor(clock.now());
    Math.random = this.#random;
    return () => {
      g.setTimeout = saved.setTimeout;
      g.clearTimeout = saved.clearTimeout;
      Date.now = realDateNow;
      Math.random = realRandom;
      installed = false;
    };
  }

  /** Fires timers in time order until none is left (or `stopAtMs` is passed). */
  async run(options: RunOptions = {}): Promise<void> {
    let steps = 0;
    for (;;) {
      await drainMicrotasks();
      if (this.clock.pendingTimers === 0) break;
      if (options.stopAtMs !== undefined && this.clock.now() > options.stopAtMs) break;
      await this.clock.runNext();
      if (options.onProgress !== undefined && ++steps % 256 === 0) options.onProgress(this.clock.now());
    }
    options.onProgress?.(this.clock.now());
  }
}

/** The real timer functions, for code that must not run in virtual time (progress display). */
export const realTimers = { setTimeout: realSetTimeout, clearTimeout: realClearTimeout };
