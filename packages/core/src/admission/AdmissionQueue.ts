import type { Clock } from '../clock/Clock.js';
import type { AdaptiveRate } from './AdaptiveRate.js';
import { AdmissionLine } from './AdmissionLine.js';
import type { AdmissionSnapshot, ModelAdmission } from './ModelAdmission.js';
import type { RateLimitPause } from './RateLimitPause.js';

export type { AdmissionResult, RefusalReason } from './ModelAdmission.js';

/**
 * Admission control of one model in this process (the default): calls wait earliest
 * deadline first and are admitted one at a time at the model's learned rate
 * ({@link AdaptiveRate}), never during a rate-limit pause. A call is refused only when its
 * deadline can no longer be met — estimated from its place in the queue and the admitted
 * rate, growing as it does while the model recovers — or when the queue is full. Calm
 * models pass straight through ({@link tryAdmitNow}).
 */
export class AdmissionQueue extends AdmissionLine implements ModelAdmission {
  #lastAdmitAt = Number.NEGATIVE_INFINITY;
  #pump: AbortController | undefined;
  #pumpAt = Number.POSITIVE_INFINITY;

  constructor(
    clock: Clock,
    readonly rate: AdaptiveRate,
    readonly pause: RateLimitPause,
    maxQueue: number,
    /** The expected time from admission to an answer, in ms (what a deadline must leave room for). */
    serviceTimeMs: () => number,
  ) {
    super(clock, maxQueue, serviceTimeMs);
  }

  /** Clock time at which the next call may be admitted. */
  nextSlotAt(now: number): number {
    const rate = this.rate.rate(now);
    const slot = rate === Number.POSITIVE_INFINITY ? now : this.#lastAdmitAt + 1000 / rate;
    return Math.max(now, slot, this.pause.until);
  }

  tryAdmitNow(now: number): boolean {
    if (this.line.length > 0 || this.nextSlotAt(now) > now) return false;
    this.#admitted(now);
    return true;
  }

  onOverload(now: number): void {
    this.rate.onOverload(now);
  }

  pauseUntil(at: number): void {
    this.pause.pauseUntil(at);
  }

  /** One process: its own breaker is the only verdict. */
  circuitOpenUntil(): number {
    return Number.NEGATIVE_INFINITY;
  }

  shareCircuit(): void {}

  snapshot(now: number): AdmissionSnapshot {
    return { ratePerSecond: this.rate.rate(now), queueDepth: this.line.length, pausedUntil: this.pause.until };
  }

  /** When the call at `position` should be admitted: the next slot, then one slot per call ahead, at the rate as it grows. */
  protected estimatedAdmitAt(now: number, position: number): number {
    const next = this.nextSlotAt(now);
    return next + this.rate.timeToAdmit(next, position);
  }

  #admitted(now: number): void {
    this.#lastAdmitAt = now;
    this.rate.admitted(now);
  }

  /** Admits the head when its slot has come, refuses what can no longer make its deadline, and sleeps until the next slot. */
  #run(): void {
    const now = this.clock.now();
    this.#pump = undefined;
    this.#pumpAt = Number.POSITIVE_INFINITY;
    this.line.refuseHopeless(now, (position) => this.estimatedAdmitAt(now, position));
    const head = this.line.head;
    if (head && this.nextSlotAt(now) <= now) {
      this.line.shift();
      this.#admitted(now);
      head.settle({ admitted: true, waitedMs: now - head.enqueuedAt });
    }
    this.#schedule(now);
  }

  protected pump(now: number): void {
    this.#schedule(now);
  }

  /** Wakes at the next slot (at most a second away, so a growing rate is noticed). */
  #schedule(now: number): void {
    if (this.line.length === 0) {
      this.#pump?.abort();
      this.#pump = undefined;
      this.#pumpAt = Number.POSITIVE_INFINITY;
      return;
    }
    const at = Math.min(this.nextSlotAt(now), now + 1000);
    if (this.#pump && this.#pumpAt <= at) return;
    this.#pump?.abort();
    const pump = (this.#pump = new AbortController());
    this.#pumpAt = at;
    this.clock.sleep(at - now, pump.signal).then(
      () => {
        if (this.#pump === pump) this.#run();
      },
      () => undefined,
    );
  }
}
