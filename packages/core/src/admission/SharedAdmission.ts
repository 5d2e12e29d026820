import type { Clock } from '../clock/Clock.js';
import type { SharedPace } from '../store/OverloadStore.js';
import { Coalescer } from '../store/Coalescer.js';
import type { StoreOperations } from '../store/StoreOperations.js';
import { DeadlineQueue } from './DeadlineQueue.js';
import type { AdmissionResult, AdmissionSnapshot, ModelAdmission } from './ModelAdmission.js';
import { refusalOf } from './refusal.js';
import { timeToAdmit } from './timeToAdmit.js';

/** While a model looks calm, this process reads the fleet's pace again at most this often, in ms. */
export const PACE_REFRESH_MS = 1000;

/**
 * Admission control of one model shared by a fleet through an `OverloadStore`: the store
 * keeps the one learned rate, the one pause and the one schedule of slots of everyone who
 * shares it; this process keeps its own callers in order (earliest deadline first).
 *
 * - **Calm** (a pace read less than a second old says so, and no overload was seen here
 *   since): calls pass at once, without waiting for the store. Each is counted in the store
 *   afterwards (its slot; the calls admitted meanwhile in one operation), so the fleet's rate is known when an overload cuts it; a slot
 *   that comes back with a wait says the fleet is paced, and the pace is read again. A
 *   steady stream of calls reads the pace in the background every half second; a call
 *   that finds the last read older than a second (the first call of a model, a quiet
 *   process) waits for one read.
 * - **Paced**: the head of the local queue reserves the fleet's next slot, waits for it and
 *   goes; one reservation at a time per process, so the fleet's slots are shared fairly
 *   among the processes that have calls waiting. A call is refused when its estimated turn
 *   — this process's share of the fleet's rate, from the last slot's wait — is past its deadline.
 * - An overload seen here is reported to the store (which cuts the fleet's rate) and calls
 *   wait until the pace read after it confirms the cut; a rate limit's pause is shared.
 * - A breaker of this process that opens (the model is down) or closes again tells the
 *   fleet; the fleet's verdict comes back with every pace read ({@link circuitOpenUntil}).
 */
export class SharedAdmission implements ModelAdmission {
  readonly #queue = new DeadlineQueue();
  /** The fleet's admitted rate when last read (Infinity: calm), and when that was (clock ms). */
  #rate = Number.POSITIVE_INFINITY;
  #readAt = Number.NEGATIVE_INFINITY;
  /** Clock time the fleet's pause ends, as last read or set here. */
  #pausedUntil = Number.NEGATIVE_INFINITY;
  /** Clock time until which the fleet holds the circuit open, as last read or set here. */
  #circuitUntil = Number.NEGATIVE_INFINITY;
  /** Overloads seen here; a pace read confirms them when it was asked after the last one. */
  #overloads = 0;
  #confirmedOverloads = 0;
  #reading = false;
  /** True while the head reserves or waits for its slot. */
  #holding = false;
  /** The head's reserved slot (clock ms) while it waits for it. */
  #slotAt: number | undefined;
  /** The wait of the last reserved slot: how far ahead the fleet's schedule was booked. */
  #lastWaitMs = 0;
  /** Calls admitted while calm, counted in the store's schedule (in one operation per batch). */
  readonly #counted = new Coalescer((calls) =>
    this.store.reserveSlot(this.key, calls).then((waitMs) => {
      if (waitMs > 0) this.#read(); // the fleet is paced: this process's view is behind
    }),
  );

  constructor(
    private readonly clock: Clock,
    private readonly store: StoreOperations,
    private readonly key: string,
    readonly maxQueue: number,
    /** How fast a paced rate grows (the store's `doublingMs`), for the estimates. */
    private readonly doublingMs: number,
    /** The expected time from admission to an answer, in ms. */
    private readonly serviceTimeMs: () => number,
  ) {}

  get depth(): number {
    return this.#queue.length;
  }

  tryAdmitNow(now: number): boolean {
    if (this.#queue.length > 0 || !this.#calm(now)) return false;
    this.#count();
    // Read again before the view goes stale, so a steady stream of calls never waits for the store.
    if (now - this.#readAt >= PACE_REFRESH_MS / 2) this.#read();
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
    this.#pump();
    return result;
  }

  onOverload(): void {
    this.#overloads++;
    void this.store.reportOverload(this.key);
    this.#read(true);
  }

  pauseUntil(at: number, now: number): void {
    if (!(at > this.#pausedUntil)) return;
    this.#pausedUntil = at;
    void this.store.pause(this.key, at - now);
  }

  circuitOpenUntil(): number {
    return this.#circuitUntil;
  }

  shareCircuit(openForMs: number): void {
    this.#circuitUntil = openForMs > 0 ? this.clock.now() + openForMs : Number.NEGATIVE_INFINITY;
    void this.store.setCircuit(this.key, openForMs);
  }

  snapshot(now: number): AdmissionSnapshot {
    return { ratePerSecond: this.#rateAt(now), queueDepth: this.#queue.length, pausedUntil: this.#pausedUntil };
  }

  #calm(now: number): boolean {
    return !this.#stale(now) && this.#rate === Number.POSITIVE_INFINITY && this.#pausedUntil <= now && this.#confirmedOverloads === this.#overloads;
  }

  /** The last pace read is too old to let a call pass on it (or there was none). */
  #stale(now: number): boolean {
    return now - this.#readAt >= PACE_REFRESH_MS;
  }

  /** The fleet's rate at `now`, grown since it was read as a paced rate grows. */
  #rateAt(now: number): number {
    if (this.#rate === Number.POSITIVE_INFINITY) return this.#rate;
    return this.#rate * 2 ** (Math.max(0, now - this.#readAt) / this.doublingMs);
  }

  /** A call admitted while calm takes its slot in the store (not waited for); a slot with a wait means the fleet is paced. */
  #count(): void {
    this.#counted.add();
  }

  /** Reads the fleet's pace (after any overload reported before it: the store answers in order). */
  #read(afterOverload = false): void {
    if (this.#reading && !afterOverload) return;
    this.#reading = true;
    const asked = this.#overloads;
    void this.store.pace(this.key).then((pace) => this.#paceRead(pace, asked));
  }

  #paceRead(pace: SharedPace | undefined, asked: number): void {
    this.#reading = false;
    const now = this.clock.now();
    if (asked > this.#confirmedOverloads) this.#confirmedOverloads = asked;
    this.#readAt = now;
    // A read that failed (reported as a store error) leaves the pace as it was: calm, for a store never read.
    if (pace) {
      this.#rate = pace.ratePerSecond;
      this.#pausedUntil = Math.max(this.#pausedUntil, now + pace.pausedForMs);
      this.#circuitUntil = pace.circuitOpenForMs > 0 ? now + pace.circuitOpenForMs : Number.NEGATIVE_INFINITY;
    }
    this.#pump();
  }

  /**
   * When the call at `position` is estimated to be admitted: the head's slot (or the
   * pause's end), then one slot per call ahead at this process's share of the fleet's
   * rate, growing as the rate does. Without a known rate yet, the pause's end.
   */
  #estimatedAdmitAt(now: number, position: number): number {
    const start = Math.max(now, this.#pausedUntil, this.#slotAt ?? now);
    const rate = this.#rateAt(now);
    if (rate === Number.POSITIVE_INFINITY) return start;
    const intervalMs = Math.max(1000 / rate, this.#lastWaitMs);
    return start + timeToAdmit(1000 / intervalMs, this.doublingMs, position);
  }

  /** Lets the waiting calls through: all at once when calm, else the head at its reserved slot. */
  #pump(): void {
    if (this.#holding || this.#queue.length === 0) return;
    const now = this.clock.now();
    if (this.#calm(now)) return this.#admitAll(now);
    // The pace is not known (or too old), or does not reflect an overload seen here: the read pumps again.
    if (this.#stale(now) || this.#confirmedOverloads !== this.#overloads) return this.#read();
    this.#holding = true;
    void this.store.reserveSlot(this.key).then((waitMs) => this.#slotReserved(waitMs));
  }

  #slotReserved(waitMs: number): void {
    const now = this.clock.now();
    this.#lastWaitMs = waitMs;
    this.#slotAt = now + waitMs;
    if (now - this.#readAt >= PACE_REFRESH_MS) this.#read();
    this.#queue.refuseHopeless(now, (position) => this.#estimatedAdmitAt(now, position));
    // A slot that is due now goes now: a timer would add a millisecond or more for nothing.
    if (waitMs <= 0) return this.#slotCame();
    void this.clock.sleep(waitMs).then(() => this.#slotCame());
  }

  #slotCame(): void {
    const now = this.clock.now();
    this.#slotAt = undefined;
    this.#holding = false;
    const head = this.#queue.shift();
    head?.settle({ admitted: true, waitedMs: now - head.enqueuedAt });
    this.#queue.refuseHopeless(now, (position) => this.#estimatedAdmitAt(now, position));
    this.#pump();
  }

  #admitAll(now: number): void {
    for (let head = this.#queue.shift(); head; head = this.#queue.shift()) {
      this.#count();
      head.settle({ admitted: true, waitedMs: now - head.enqueuedAt });
    }
  }
}
