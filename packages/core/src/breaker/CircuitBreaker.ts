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
 * Why not cockatiel's `CircuitBreakerPolicy`: it reads `Date.now()` for the half-open
 * timer, and the policy's time must come from the injected clock. The decision when to
 * open stays cockatiel's (`ConsecutiveBreaker`, `SamplingBreaker`, …).
 */
export class CircuitBreaker {
  #state: BreakerState = BreakerState.CLOSED;
  #halfOpensAt = 0;
  #probeInFlight = false;

  constructor(
    readonly key: string,
    private readonly breaker: IBreaker,
    private readonly halfOpenAfterMs: number,
    private readonly onTransition: (from: BreakerState, to: BreakerState) => void,
  ) {}

  /** Current state, moving open → half-open when its time has come. */
  state(now: number): BreakerState {
    if (this.#state === BreakerState.OPEN && now >= this.#halfOpensAt) this.#move(BreakerState.HALF_OPEN);
    return this.#state;
  }

  /** Clock time at which an open circuit half-opens. */
  get halfOpensAt(): number {
    return this.#halfOpensAt;
  }

  /** May an attempt go through now? In half-open, only one probe at a time. */
  admit(now: number): Admission {
    const state = this.state(now);
    if (state === BreakerState.CLOSED) return { admitted: true, state, probe: false };
    if (state === BreakerState.HALF_OPEN && !this.#probeInFlight) {
      this.#probeInFlight = true;
      return { admitted: true, state, probe: true };
    }
    return { admitted: false, halfOpensAt: state === BreakerState.OPEN ? this.#halfOpensAt : now + this.halfOpenAfterMs };
  }

  success(): void {
    this.breaker.success(COCKATIEL_STATE[this.#state]);
    this.#probeInFlight = false;
    if (this.#state !== BreakerState.CLOSED) this.#move(BreakerState.CLOSED);
  }

  failure(now: number): void {
    const wasProbe = this.#probeInFlight;
    this.#probeInFlight = false;
    const shouldOpen = this.breaker.failure(COCKATIEL_STATE[this.#state]);
    if (this.#state === BreakerState.HALF_OPEN || (wasProbe && this.#state !== BreakerState.OPEN) || (shouldOpen && this.#state === BreakerState.CLOSED)) {
      this.#halfOpensAt = now + this.halfOpenAfterMs;
      this.#move(BreakerState.OPEN);
    }
  }

  /** An attempt admitted as a probe ended without a verdict (aborted): let another probe through. */
  release(): void {
    this.#probeInFlight = false;
  }

  #move(to: BreakerState): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.onTransition(from, to);
  }
}
