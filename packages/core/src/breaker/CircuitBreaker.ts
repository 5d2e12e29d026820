import { BreakerState } from '@stormwatch/conventions';
import { CircuitState, type IBreaker } from 'cockatiel';

/** What {@link CircuitBreaker.admit} decided. */
export type Admission =
  | { readonly admitted: true; readonly state: BreakerState; readonly probe: boolean }
  | { readonly admitted: false; readonly halfOpensAt: number };

const COCKATIEL_STATE: Record<BreakerState, CircuitState> = {
  closed: CircuitState.Closed,
  open: CircuitState.Open,
  half_open: CircuitState.HalfOpen,
};

/**
 * One key's circuit: closed → open when the cockatiel `IBreaker` says so, open → half-open
 * after `halfOpenAfterMs`, where exactly one probe goes through; the probe's success closes
 * the circuit, its failure opens it again.
 *
 * `C` is what caused a transition (the policy passes the call whose attempt it was): each
 * method that can move the circuit takes it explicitly and hands it to `onTransition`.
 *
 * Why not cockatiel's `CircuitBreakerPolicy`: it reads `Date.now()` for the half-open
 * timer, and the policy's time must come from the injected clock. The decision when to
 * open stays cockatiel's (`ConsecutiveBreaker`, `SamplingBreaker`, …).
 */
export class CircuitBreaker<C = undefined> {
  #state: BreakerState = BreakerState.CLOSED;
  #halfOpensAt = 0;
  #probeInFlight = false;
  /** How long the circuit stays open the next time it opens. */
  #openForMs: number;

  /**
   * @param halfOpenAfterMs open time the first time the circuit opens, in ms.
   * @param maxHalfOpenAfterMs each failed probe doubles the open time up to this, in ms;
   *   closing resets it. Defaults to `halfOpenAfterMs` (a fixed open time).
   */
  constructor(
    readonly key: string,
    private readonly breaker: IBreaker,
    private readonly halfOpenAfterMs: number,
    private readonly onTransition: (from: BreakerState, to: BreakerState, cause: C | undefined) => void,
    private readonly maxHalfOpenAfterMs: number = halfOpenAfterMs,
  ) {
    this.#openForMs = halfOpenAfterMs;
  }

  /** How long the circuit stays open when it next opens, in ms. */
  get openForMs(): number {
    return this.#openForMs;
  }

  /** Current state, moving open → half-open when its time has come. */
  state(now: number, cause?: C): BreakerState {
    if (this.#state === BreakerState.OPEN && now >= this.#halfOpensAt) this.#move(BreakerState.HALF_OPEN, cause);
    return this.#state;
  }

  /** Clock time at which an open circuit half-opens. */
  get halfOpensAt(): number {
    return this.#halfOpensAt;
  }

  /** May an attempt go through now? In half-open, only one probe at a time. */
  admit(now: number, cause?: C): Admission {
    const state = this.state(now, cause);
    if (state === BreakerState.CLOSED) return { admitted: true, state, probe: false };
    if (state === BreakerState.HALF_OPEN && !this.#probeInFlight) {
      this.#probeInFlight = true;
      return { admitted: true, state, probe: true };
    }
    return { admitted: false, halfOpensAt: state === BreakerState.OPEN ? this.#halfOpensAt : now + this.#openForMs };
  }

  success(cause?: C): void {
    this.breaker.success(COCKATIEL_STATE[this.#state]);
    this.#probeInFlight = false;
    if (this.#state !== BreakerState.CLOSED) {
      this.#openForMs = this.halfOpenAfterMs;
      this.#move(BreakerState.CLOSED, cause);
    }
  }

  failure(now: number, cause?: C): void {
    const wasProbe = this.#probeInFlight;
    this.#probeInFlight = false;
    const shouldOpen = this.breaker.failure(COCKATIEL_STATE[this.#state]);
    const probeFailed = this.#state === BreakerState.HALF_OPEN || (wasProbe && this.#state !== BreakerState.OPEN);
    if (probeFailed || (shouldOpen && this.#state === BreakerState.CLOSED)) {
      // A failed probe means the model is still down: wait longer before the next one.
      if (probeFailed) this.#openForMs = Math.min(this.maxHalfOpenAfterMs, this.#openForMs * 2);
      this.#halfOpensAt = now + this.#openForMs;
      this.#move(BreakerState.OPEN, cause);
    }
  }

  /** An attempt admitted as a probe ended without a verdict (aborted): let another probe through. */
  release(): void {
    this.#probeInFlight = false;
  }

  #move(to: BreakerState, cause: C | undefined): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.onTransition(from, to, cause);
  }
}
