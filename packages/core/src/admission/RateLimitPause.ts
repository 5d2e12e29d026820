/**
 * A model's rate-limit pause: when the server says "no more until T" (a 429 with
 * `retry-after`, or `anthropic-ratelimit-*-remaining: 0` with its reset time), admission
 * holds every call of that model until T. A pause is not a failure: it opens no breaker
 * and cuts no learned rate.
 */
export class RateLimitPause {
  #until = Number.NEGATIVE_INFINITY;

  /** Clock time until which admission is paused (in the past when not paused). */
  get until(): number {
    return this.#until;
  }

  /** Pauses until `at` (clock ms); an earlier pause never shortens a later one. */
  pauseUntil(at: number): void {
    if (Number.isFinite(at) && at > this.#until) this.#until = at;
  }

  paused(now: number): boolean {
    return now < this.#until;
  }
}
