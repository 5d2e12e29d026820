import type { Clock } from '../clock/Clock.js';
import type { AdaptiveRate } from './AdaptiveRate.js';
import { DeadlineQueue } from './DeadlineQueue.js';
import type { AdmissionResult, AdmissionSnapshot, ModelAdmission } from './ModelAdmission.js';
import type { RateLimitPause } from './RateLimitPause.js';
import { refusalOf } from './refusal.js';

export type { AdmissionResult, RefusalReason } from './ModelAdmission.js';

/**
 * Admission control of one model in this process (the default): calls wait earliest
 * deadline first and are admitted one at a time at the model's learned rate
 * ({@link AdaptiveRate}), never during a rate-limit pause. A call is refused only when its
 * deadline can no longer be met — estimated from its place in the queue and the admitted
 * rate, growing as it does while the model recovers — or when the queue is full. Calm
 * models pass straight through ({@link tryAdmitNow}).
 */
export class AdmissionQueue implements ModelAdmission {
  readonly #queue = new DeadlineQueue();
  #lastAdmitAt = Number.NEGATIVE_INFINITY;
  #pump: AbortController | undefined;
  #pumpAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    readonly rate: AdaptiveRate,
    readonly pause: RateLimitPause,
    readonly maxQueue: number,
    /** The expected time from admission to an answer, in ms (what a deadline must leave room for). */
    private readonly serviceTimeMs: () => number,
  ) {}

  get depth(): number {
    return this.#queue.length;
  }

  /** Clock time at which the next call may be admitted. */
  nextSlotAt(now: number): number {
    const rate = this.rate.rate(now);
    const slot = rate === Number.POSITIVE_INFINITY ? now : this.#lastAdmitAt + 1000 / rate;
    return Math.max(now, slot, this.pause.until);
  }

  tryAdmitNow(now: number): boolean {
    if (this.#queue.length > 0 || this.nextSlotAt(now) > now) return false;
    this.#admitted(now);
    return true;
  }

  admit(deadlineAt: number, signal?: AbortSignal, maxWaitMs = Number.POSITIVE_INFINITY): Promise<AdmissionResult> {
    const now = this.clock.now();
    if (this.tryAdmitNow(now)) return Promise.resolve({ admitted: true, waitedMs: 0 });
    const admitBy = deadlineAt - this.serviceTimeMs();
    const position = this.#queue.positionOf(admitBy);
    const estimatedAt = this.#estimatedAdmitAt(now, position);
    const reason = refusalOf({ now, waiting: this.#queue.length, maxQueue: this.maxQueue, estimatedAt, admitBy, maxWaitMs });
    if (reason) return Promise.resolve({ admitted: false, reason, waitedMs: 0, estimatedWaitMs: estimatedAt - now });
    const result = this.#queue.wait(admitBy, now, position, signal);
    this.#schedule(now);
    return result;
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
    return { ratePerSecond: this.rate.rate(now), queueDepth: this.#queue.length, pausedUntil: this.pause.until };
  }

  /** When the call at `position` should be admitted: the next slot, then one slot per call ahead, at the rate as it grows. */
  #estimatedAdmitAt(now: number, position: number): number {
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
    this.#queue.refuseHopeless(now, (position) => this.#estimatedAdmitAt(now, position));
    const head = this.#queue.head;
    if (head && this.nextSlotAt(now) <= now) {
      this.#queue.shift();
      this.#admitted(now);
      head.settle({ admitted: true, waitedMs: now - head.enqueuedAt });
    }
    this.#schedule(now);
  }

  /** Wakes at the next slot (at most a second away, so a growing rate is noticed). */
  #schedule(now: number): void {
    if (this.#queue.length === 0) {
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
