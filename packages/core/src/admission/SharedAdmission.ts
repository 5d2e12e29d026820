import type { Clock } from '../clock/Clock.js';
import type { Random } from '../random.js';
import { Coalescer } from '../store/Coalescer.js';
import type { SharedPace } from '../store/OverloadStore.js';
import type { StoreOperations } from '../store/StoreOperations.js';
import { AdmissionLine } from './AdmissionLine.js';
import type { AdmissionSnapshot, ModelAdmission } from './ModelAdmission.js';
import { timeToAdmit } from './timeToAdmit.js';

/** While a model looks calm, this process reads the fleet's pace again at most this often, in ms. */
export const PACE_REFRESH_MS = 1000;

/** A head waiting for a slot asks the store again at least this often, in ms (a rate that grows back shortens the wait). */
export const SLOT_POLL_MS = 1000;

/**
 * A head that waits for a slot asks again up to this share of a slot's interval after it is
 * due (at most {@link MAX_POLL_JITTER_MS}), so the processes waiting for one slot do not
 * all ask at the same instant, and the one that gets it is a different one each time.
 */
const POLL_JITTER = 0.1;
const MAX_POLL_JITTER_MS = 50;

/** Weight of the newest sample in the average share of the fleet's slots this process gets. */
const SHARE_WEIGHT = 0.3;

/**
 * Admission control of one model shared by a fleet through an `OverloadStore`: the store
 * keeps the one learned rate, the one pause and the one schedule of slots of everyone who
 * shares it; this process keeps its own callers in order (earliest deadline first).
 *
 * - **Calm** (a pace read less than a second old says so, and no overload was seen here
 *   since): calls pass at once, without waiting for the store. They are recorded in the
 *   store afterwards (the calls admitted meanwhile in one operation), so the fleet's rate
 *   is known when an overload cuts it; an answer that says a slot is not due yet means the
 *   fleet is paced, and the pace is read again. A steady stream of calls reads the pace in
 *   the background every half second; a call that finds the last read older than a second
 *   (the first call of a model, a quiet process) waits for one read.
 * - **Paced**: the head of the local queue asks the store for the fleet's next slot; it
 *   takes it when it is due, else waits until it is (at most a second) and asks again. No
 *   slot is booked ahead, so when the rate grows back every process's wait shortens at
 *   once. A call is refused when its estimated turn — the fleet's rate times the share of
 *   slots this process has been getting — is past its deadline.
 * - An overload seen here is reported to the store with the age of the request that met it
 *   (the store cuts the fleet's rate only for news: a request sent after the last cut), and
 *   calls wait until the pace read after it; a rate limit's pause is shared.
 * - A breaker of this process that opens (the model is down) or closes again tells the
 *   fleet; the fleet's verdict comes back with every pace read ({@link circuitOpenUntil}).
 */
export class SharedAdmission extends AdmissionLine implements ModelAdmission {
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
  /** True while the head asks for its slot or waits to ask again. */
  #holding = false;
  /** Clock time the fleet's next slot was said to be due. */
  #nextSlotAt = Number.NEGATIVE_INFINITY;
  /** Clock time this process last took a slot while calls kept waiting (for its share). */
  #lastTakenAt: number | undefined;
  /** How many of the fleet's slots go by per slot this process takes (1: it gets them all). */
  #share = 1;
  /** Calls admitted while calm, recorded in the store (in one operation per batch). */
  readonly #recorded = new Coalescer((calls) =>
    this.store.recordCalls(this.key, calls).then((waitMs) => {
      if (waitMs > 0) this.#read(); // the fleet is paced: this process's view is behind
    }),
  );

  constructor(
    clock: Clock,
    private readonly store: StoreOperations,
    private readonly key: string,
    maxQueue: number,
    /** How fast a paced rate grows (the store's `doublingMs`), for the estimates. */
    private readonly doublingMs: number,
    /** The expected time from admission to an answer, in ms. */
    serviceTimeMs: () => number,
    /** Draws the jitter of the head's next ask. */
    private readonly random: Random,
  ) {
    super(clock, maxQueue, serviceTimeMs);
  }

  tryAdmitNow(now: number): boolean {
    if (this.line.length > 0 || !this.#calm(now)) return false;
    this.#recorded.add();
    // Read again before the view goes stale, so a steady stream of calls never waits for the store.
    if (now - this.#readAt >= PACE_REFRESH_MS / 2) this.#read();
    return true;
  }

  onOverload(now: number, sentAt = now): void {
    this.#overloads++;
    void this.store.reportOverload(this.key, Math.max(0, now - sentAt));
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
    return { ratePerSecond: this.#rateAt(now), queueDepth: this.line.length, pausedUntil: this.#pausedUntil };
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
    this.pump();
  }

  /**
   * When the call at `position` is estimated to be admitted: the fleet's next slot (or the
   * pause's end), then one slot per call ahead at this process's share of the fleet's rate,
   * growing as the rate does. Without a known rate yet, the pause's end.
   */
  protected estimatedAdmitAt(now: number, position: number): number {
    const start = Math.max(now, this.#pausedUntil, this.#nextSlotAt);
    const rate = this.#rateAt(now);
    if (rate === Number.POSITIVE_INFINITY) return start;
    return start + timeToAdmit(rate / this.#share, this.doublingMs, position);
  }

  /** Lets the waiting calls through: all at once when calm, else the head when the fleet's next slot is due. */
  protected pump(): void {
    if (this.#holding || this.line.length === 0) return;
    const now = this.clock.now();
    if (this.#calm(now)) return this.#admitAll(now);
    // The pace is not known (or too old), or does not reflect an overload seen here: the read pumps again.
    if (this.#stale(now) || this.#confirmedOverloads !== this.#overloads) return this.#read();
    this.#holding = true;
    void this.store.reserveSlot(this.key).then((waitMs) => this.#slotAnswered(waitMs));
  }

  #slotAnswered(waitMs: number): void {
    const now = this.clock.now();
    this.#nextSlotAt = now + waitMs;
    if (waitMs <= 0) return this.#slotTaken(now);
    this.line.refuseHopeless(now, (position) => this.estimatedAdmitAt(now, position));
    if (now - this.#readAt >= PACE_REFRESH_MS) this.#read();
    const rate = this.#rateAt(now);
    const jitterMs = rate === Number.POSITIVE_INFINITY ? 0 : this.random() * Math.min(MAX_POLL_JITTER_MS, (POLL_JITTER * 1000) / rate);
    void this.clock.sleep(waitMs < SLOT_POLL_MS ? waitMs + jitterMs : SLOT_POLL_MS).then(() => {
      this.#holding = false;
      this.pump();
    });
  }

  /** The head goes; the gap since this process's previous slot says its share of the fleet's slots. */
  #slotTaken(now: number): void {
    this.#holding = false;
    const head = this.line.shift();
    const rate = this.#rateAt(now);
    if (this.#lastTakenAt !== undefined && rate !== Number.POSITIVE_INFINITY) {
      const share = Math.max(1, ((now - this.#lastTakenAt) * rate) / 1000);
      this.#share += SHARE_WEIGHT * (share - this.#share);
    }
    this.#lastTakenAt = this.line.length > 0 ? now : undefined;
    head?.settle({ admitted: true, waitedMs: now - head.enqueuedAt });
    this.line.refuseHopeless(now, (position) => this.estimatedAdmitAt(now, position));
    this.pump();
  }

  #admitAll(now: number): void {
    this.#lastTakenAt = undefined;
    for (let head = this.line.shift(); head; head = this.line.shift()) {
      this.#recorded.add();
      head.settle({ admitted: true, waitedMs: now - head.enqueuedAt });
    }
  }
}
