import { AdaptiveRate, type AdaptiveRateOptions } from '../admission/AdaptiveRate.js';
import { RateLimitPause } from '../admission/RateLimitPause.js';
import { RetryBudget } from '../budget/RetryBudget.js';
import type { Clock } from '../clock/Clock.js';
import { systemClock } from '../clock/systemClock.js';
import { PerKey } from '../perKey.js';
import { sharedRateOptions } from './sharedRateDefaults.js';
import type { OverloadStore, OverloadStoreOptions, SharedPace } from './OverloadStore.js';

interface KeyState {
  readonly rate: AdaptiveRate;
  readonly pause: RateLimitPause;
  readonly budget: RetryBudget;
  lastSlotAt: number;
  /** Clock time until which the circuit is open for everyone. */
  circuitUntil: number;
}

/** When the next slot of a model is due: now while calm, else `1 / rate` after the last, never before a pause ends. */
function nextSlotAt(state: KeyState, now: number): number {
  const rate = state.rate.rate(now);
  return Math.max(now, state.pause.until, rate === Number.POSITIVE_INFINITY ? now : state.lastSlotAt + 1000 / rate);
}

/** A count of calls as an operation takes it: a whole number of at least 1, else 1. */
export function countOf(calls: number): number {
  return Number.isSafeInteger(calls) && calls >= 1 ? calls : 1;
}

/**
 * The overload state of one process (the default store), and the reference semantics of
 * every {@link OverloadStore}: a shared store must answer exactly what this one answers for
 * the same operations at the same times.
 */
export class InMemoryOverloadStore implements OverloadStore {
  readonly #keys: PerKey<KeyState>;
  #closed = false;
  readonly rateOptions: Readonly<Required<AdaptiveRateOptions>>;

  constructor(
    options: OverloadStoreOptions = {},
    private readonly clock: Clock = systemClock,
  ) {
    const rate = sharedRateOptions(options.rate);
    this.rateOptions = new AdaptiveRate(rate).options; // validates now
    new RetryBudget(options.budget);
    this.#keys = new PerKey(() => ({ rate: new AdaptiveRate(rate), pause: new RateLimitPause(), budget: new RetryBudget(options.budget), lastSlotAt: Number.NEGATIVE_INFINITY, circuitUntil: Number.NEGATIVE_INFINITY }));
  }

  async reserveSlot(key: string): Promise<number> {
    const now = this.#now();
    const state = this.#keys.get(key);
    const dueAt = nextSlotAt(state, now);
    if (dueAt > now) return dueAt - now;
    state.lastSlotAt = now;
    state.rate.admitted(now);
    return 0;
  }

  async recordCalls(key: string, calls: number): Promise<number> {
    const now = this.#now();
    const state = this.#keys.get(key);
    for (let i = 0; i < countOf(calls); i++) state.rate.admitted(now);
    state.lastSlotAt = Math.max(state.lastSlotAt, now);
    return nextSlotAt(state, now) - now;
  }

  async reportOverload(key: string, sentAgoMs = 0): Promise<void> {
    const now = this.#now();
    this.#keys.get(key).rate.onOverload(now, now - (Number.isFinite(sentAgoMs) && sentAgoMs > 0 ? sentAgoMs : 0));
  }

  async pause(key: string, ms: number): Promise<void> {
    const now = this.#now();
    if (Number.isFinite(ms) && ms > 0) this.#keys.get(key).pause.pauseUntil(now + ms);
  }

  async setCircuit(key: string, openForMs: number): Promise<void> {
    const now = this.#now();
    if (!(openForMs >= 0) || !Number.isFinite(openForMs)) return;
    this.#keys.get(key).circuitUntil = openForMs > 0 ? now + openForMs : Number.NEGATIVE_INFINITY;
  }

  /**
   * Takes a pace read from a shared store as this store's own for `key` (rate, pause and
   * circuit), for a shared store's local fallback: when the shared store cannot answer, the
   * process goes on at the fleet's last known pace instead of calm. Not an `OverloadStore`
   * operation.
   */
  adoptPace(key: string, pace: SharedPace): void {
    const now = this.#now();
    const state = this.#keys.get(key);
    state.rate.adopt(pace.ratePerSecond, now);
    if (pace.pausedForMs > 0) state.pause.pauseUntil(now + pace.pausedForMs);
    state.circuitUntil = pace.circuitOpenForMs > 0 ? now + pace.circuitOpenForMs : Number.NEGATIVE_INFINITY;
  }

  async pace(key: string): Promise<SharedPace> {
    const now = this.#now();
    const state = this.#keys.peek(key);
    if (!state) return { ratePerSecond: Number.POSITIVE_INFINITY, pausedForMs: 0, circuitOpenForMs: 0 };
    return { ratePerSecond: state.rate.rate(now), pausedForMs: Math.max(0, state.pause.until - now), circuitOpenForMs: Math.max(0, state.circuitUntil - now) };
  }

  async deposit(key: string, calls = 1): Promise<void> {
    const now = this.#now();
    const budget = this.#keys.get(key).budget;
    for (let i = 0; i < countOf(calls); i++) budget.deposit(now);
  }

  async tryWithdraw(key: string): Promise<boolean> {
    return this.#keys.get(key).budget.tryWithdraw(this.#now());
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #now(): number {
    if (this.#closed) throw new Error('InMemoryOverloadStore: the store is closed');
    return this.clock.now();
  }
}
