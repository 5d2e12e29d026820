import type { Clock } from '../clock/Clock.js';
import type { AdaptiveRate } from './AdaptiveRate.js';
import type { RateLimitPause } from './RateLimitPause.js';

/**
 * Why admission refused a call: its deadline cannot be met, the queue is full, or (only when
 * the caller asked, because it has somewhere else to go) its wait would pass `maxWaitMs`.
 */
export type RefusalReason = 'deadline' | 'queue_full' | 'long_wait';

/** What {@link AdmissionQueue.admit} decided. */
export type AdmissionResult =
  | { readonly admitted: true; readonly waitedMs: number }
  | { readonly admitted: false; readonly reason: RefusalReason; readonly waitedMs: number; readonly estimatedWaitMs: number };

interface Ticket {
  /** By when the call must be admitted, after the expected service time is taken off its deadline. */
  readonly admitBy: number;
  readonly seq: number;
  readonly enqueuedAt: number;
  readonly settle: (result: AdmissionResult) => void;
}

/**
 * Calls of one model waiting to be sent, earliest deadline first, admitted one at a time
 * at the model's learned rate ({@link AdaptiveRate}) and never during a rate-limit pause.
 * A call is refused only when its deadline can no longer be met — estimated from its place
 * in the queue and the admitted rate, growing as it does while the model recovers — or
 * when the queue is full. Calm models pass
 * straight through ({@link tryAdmitNow}).
 */
export class AdmissionQueue {
  readonly #queue: Ticket[] = [];
  #seq = 0;
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

  /** Calls waiting. */
  get depth(): number {
    return this.#queue.length;
  }

  /** Clock time at which the next call may be admitted. */
  nextSlotAt(now: number): number {
    const rate = this.rate.rate(now);
    const slot = rate === Number.POSITIVE_INFINITY ? now : this.#lastAdmitAt + 1000 / rate;
    return Math.max(now, slot, this.pause.until);
  }

  /** Admits at once when nobody waits and the model has a slot now; the fast path of a calm model. */
  tryAdmitNow(now: number): boolean {
    if (this.#queue.length > 0 || this.nextSlotAt(now) > now) return false;
    this.#admitted(now);
    return true;
  }

  /**
   * Waits for a slot. `deadlineAt` is when the call must have its answer (Infinity for
   * none); a call whose turn would come more than `maxWaitMs` from now is refused at once
   * (`long_wait`). Resolves admitted or refused; rejects with the signal's reason when it aborts.
   */
  admit(deadlineAt: number, signal?: AbortSignal, maxWaitMs = Number.POSITIVE_INFINITY): Promise<AdmissionResult> {
    const now = this.clock.now();
    if (this.tryAdmitNow(now)) return Promise.resolve({ admitted: true, waitedMs: 0 });
    const admitBy = deadlineAt - this.serviceTimeMs();
    const position = this.#positionOf(admitBy);
    const estimatedAt = this.#estimatedAdmitAt(now, position);
    if (this.#queue.length >= this.maxQueue) return Promise.resolve({ admitted: false, reason: 'queue_full', waitedMs: 0, estimatedWaitMs: estimatedAt - now });
    if (estimatedAt > admitBy) return Promise.resolve({ admitted: false, reason: 'deadline', waitedMs: 0, estimatedWaitMs: estimatedAt - now });
    if (estimatedAt - now > maxWaitMs) return Promise.resolve({ admitted: false, reason: 'long_wait', waitedMs: 0, estimatedWaitMs: estimatedAt - now });
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<AdmissionResult>((resolve, reject) => {
      const onAbort = () => {
        const i = this.#queue.indexOf(ticket);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(signal!.reason);
      };
      const ticket: Ticket = {
        admitBy,
        seq: this.#seq++,
        enqueuedAt: now,
        settle: (result) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.splice(position, 0, ticket);
      this.#schedule(now);
    });
  }

  /** Where a call due by `admitBy` goes: after every call due no later (earliest deadline first, then arrival). */
  #positionOf(admitBy: number): number {
    let lo = 0;
    let hi = this.#queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#queue[mid]!.admitBy <= admitBy) lo = mid + 1;
      else hi = mid;
    }
    return lo;
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
    this.#refuseHopeless(now);
    const head = this.#queue[0];
    if (head && this.nextSlotAt(now) <= now) {
      this.#queue.shift();
      this.#admitted(now);
      head.settle({ admitted: true, waitedMs: now - head.enqueuedAt });
    }
    this.#schedule(now);
  }

  /** Refuses every waiting call whose estimated admission is past what its deadline allows. */
  #refuseHopeless(now: number): void {
    for (let i = 0; i < this.#queue.length; ) {
      const ticket = this.#queue[i]!;
      const estimatedAt = this.#estimatedAdmitAt(now, i);
      if (estimatedAt > ticket.admitBy) {
        this.#queue.splice(i, 1);
        ticket.settle({ admitted: false, reason: 'deadline', waitedMs: now - ticket.enqueuedAt, estimatedWaitMs: estimatedAt - now });
      } else i++;
    }
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
