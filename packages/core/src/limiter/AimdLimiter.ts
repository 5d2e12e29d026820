/** Options of the adaptive (AIMD) rate limiter. */
export interface AimdLimiterOptions {
  /** Starting rate, in requests per second. Defaults to 10. */
  initialRate?: number;
  /** Lowest rate it slows to, in requests per second. Defaults to 0.5. */
  minRate?: number;
  /** Highest rate it speeds up to, in requests per second. Defaults to 1000. */
  maxRate?: number;
  /** Rate added per second of successes (additive increase), in requests per second. Defaults to 1. */
  increasePerSecond?: number;
  /** Factor applied on a 429/529 (multiplicative decrease). Defaults to 0.5. */
  decreaseFactor?: number;
  /** At most one decrease per this many milliseconds, so one wave of errors halves once. Defaults to 1 s. */
  decreaseCooldownMs?: number;
}

/**
 * A client-side token bucket whose rate adapts like TCP's congestion window: additive
 * increase on success, multiplicative decrease when the server says slow down (429, 529,
 * or `anthropic-ratelimit-requests-remaining: 0`).
 */
export class AimdLimiter {
  readonly minRate: number;
  readonly maxRate: number;
  readonly increasePerSecond: number;
  readonly decreaseFactor: number;
  readonly decreaseCooldownMs: number;
  #rate: number;
  #tokens = 1;
  #refilledAt: number | undefined;
  #lastDecreaseAt = Number.NEGATIVE_INFINITY;

  constructor(options: AimdLimiterOptions = {}) {
    const { initialRate = 10, minRate = 0.5, maxRate = 1000, increasePerSecond = 1, decreaseFactor = 0.5, decreaseCooldownMs = 1000 } = options;
    if (!(minRate > 0) || !Number.isFinite(minRate)) throw new RangeError(`limiter.minRate must be a positive number of requests per second, got ${String(minRate)}`);
    if (!(maxRate >= minRate) || !Number.isFinite(maxRate)) throw new RangeError(`limiter.maxRate must be a finite number >= minRate (${minRate}), got ${String(maxRate)}`);
    if (!(initialRate >= minRate && initialRate <= maxRate)) throw new RangeError(`limiter.initialRate must be between minRate (${minRate}) and maxRate (${maxRate}), got ${String(initialRate)}`);
    if (!(increasePerSecond >= 0) || !Number.isFinite(increasePerSecond)) throw new RangeError(`limiter.increasePerSecond must be a finite number >= 0, got ${String(increasePerSecond)}`);
    if (!(decreaseFactor > 0 && decreaseFactor < 1)) throw new RangeError(`limiter.decreaseFactor must be between 0 and 1 (exclusive), got ${String(decreaseFactor)}`);
    if (!(decreaseCooldownMs >= 0) || !Number.isFinite(decreaseCooldownMs)) throw new RangeError(`limiter.decreaseCooldownMs must be a finite number >= 0, got ${String(decreaseCooldownMs)}`);
    this.minRate = minRate;
    this.maxRate = maxRate;
    this.increasePerSecond = increasePerSecond;
    this.decreaseFactor = decreaseFactor;
    this.decreaseCooldownMs = decreaseCooldownMs;
    this.#rate = initialRate;
  }

  /** Current rate, in requests per second. */
  get rate(): number {
    return this.#rate;
  }

  /**
   * Takes a token. Returns 0 when one was available, otherwise the milliseconds to wait
   * before it is (the token is reserved: the caller waits, then proceeds).
   */
  reserve(now: number): number {
    this.#refill(now);
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#rate) * 1000;
  }

  /** A success: additive increase. Returns true when the rate changed. */
  onSuccess(): boolean {
    if (this.#rate >= this.maxRate || this.increasePerSecond === 0) return false;
    // +increasePerSecond per second at the current rate is +increasePerSecond/rate per success.
    this.#rate = Math.min(this.maxRate, this.#rate + this.increasePerSecond / this.#rate);
    return true;
  }

  /** The server asked to slow down: multiplicative decrease. Returns true when the rate changed. */
  onSlowDown(now: number): boolean {
    if (now - this.#lastDecreaseAt < this.decreaseCooldownMs || this.#rate <= this.minRate) return false;
    this.#lastDecreaseAt = now;
    this.#rate = Math.max(this.minRate, this.#rate * this.decreaseFactor);
    return true;
  }

  #refill(now: number): void {
    if (this.#refilledAt !== undefined) {
      // Burst is one second's worth of tokens at the current rate.
      this.#tokens = Math.min(Math.max(1, this.#rate), this.#tokens + ((now - this.#refilledAt) / 1000) * this.#rate);
    }
    this.#refilledAt = now;
  }
}
