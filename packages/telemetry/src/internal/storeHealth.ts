import { diag, type BatchObservableResult } from '@opentelemetry/api';
import { STORE_SHARING_GAUGE_VALUE, StoreReason } from '@stormwatch/conventions';
import type { OverloadStore } from '@stormwatch/core';
import { storeLocalAnswersAttributes, storeReasonOf } from './attributes.js';
import type { Instruments } from './instruments.js';

type Counts = ReadonlyMap<StoreReason, number>;

/** One store's health at a collection, in the contract's terms. */
interface Reading {
  readonly sharing: boolean;
  readonly localAnswers: Counts;
  /** The store said it is closed (`health().closed`): it shares nothing and its counts are final. */
  readonly closed: boolean;
}

/**
 * The reasons observed (at 0 until a store counts one) whenever a store reports its health:
 * so that the first local answers are an increase to Prometheus (a series' first sample is
 * not), and a healthy store shows as no local answers rather than no data.
 */
const KNOWN_REASONS: readonly StoreReason[] = Object.values(StoreReason).filter((r) => r !== StoreReason.OTHER);

/** Adds `counts` into `total`, times `sign`. */
function addInto(total: Map<StoreReason, number>, counts: Counts, sign = 1): void {
  for (const [reason, n] of counts) total.set(reason, (total.get(reason) ?? 0) + sign * n);
}

/**
 * The health of the overload stores of every policy on one meter (`store.health()`, which
 * a shared store such as `@stormwatch/redis`'s implements), observed once per collection
 * into `stormwatch.store.sharing` and `stormwatch.store.local_answers`.
 *
 * A store describes the process, not a policy: one store is usually shared by all the
 * policies of a process (as `STORMWATCH_REDIS_URL` makes it), so each store is read once
 * however many policies and instrumentations use it, and the series carry no policy. Several
 * stores in one process: sharing is 0 when any of them answers locally, and their local
 * answers add up. A store that stops being read (its policies disposed or collected) leaves
 * its last counts in the sum, so the counter never goes back; if it is read again, they are
 * taken out of the sum again.
 *
 * A closed store (`health().closed`) is retired the same way: it answers and shares nothing,
 * so it is left out of the sharing gauge (a closed store beside a healthy one does not make
 * the process look local), and its final counts stay in the sum. A process whose only stores
 * are closed observes no sharing sample at all: it has no store that could share.
 */
export class StoreHealthObserver {
  /** The counts of each store read at the last collection (held until the next one only). */
  #last = new Map<object, Counts>();
  /** The counts of the stores no longer read. */
  readonly #retired = new Map<StoreReason, number>();
  /** What each retired store had counted when it left. */
  readonly #retiredOf = new WeakMap<object, Counts>();
  /** Stores whose `health()` failed once already (reported once each). */
  readonly #reportedBroken = new WeakSet<object>();

  constructor(private readonly m: Instruments) {}

  /** Observes the health of `stores` (each read once, duplicates skipped) into the batch. */
  observe(stores: Iterable<OverloadStore>, result: BatchObservableResult): void {
    const now = new Map<object, Counts>();
    /** Every store met in this collection, read or not (closed, no health, a failed health()). */
    const seen = new Set<object>();
    let closed = false;
    let sharing: boolean | undefined;
    for (const store of stores) {
      if (seen.has(store)) continue;
      seen.add(store);
      const reading = this.#read(store);
      if (!reading) continue;
      if (reading.closed) {
        this.#retire(store, reading.localAnswers);
        closed = true;
        continue;
      }
      now.set(store, reading.localAnswers);
      sharing = (sharing ?? true) && reading.sharing;
      const retired = this.#retiredOf.get(store);
      if (retired) {
        addInto(this.#retired, retired, -1);
        this.#retiredOf.delete(store);
      }
    }
    for (const [store, counts] of this.#last) {
      if (now.has(store) || this.#retiredOf.has(store)) continue;
      this.#retire(store, counts);
    }
    this.#last = now;

    if (sharing !== undefined) result.observe(this.m.storeSharing, sharing ? STORE_SHARING_GAUGE_VALUE.SHARING : STORE_SHARING_GAUGE_VALUE.LOCAL);
    const total = new Map(this.#retired);
    if (now.size > 0 || total.size > 0 || closed) for (const reason of KNOWN_REASONS) if (!total.has(reason)) total.set(reason, 0);
    for (const counts of now.values()) addInto(total, counts);
    for (const [reason, n] of total) result.observe(this.m.storeLocalAnswers, n, storeLocalAnswersAttributes(reason));
  }

  /** Moves `store`'s counts into the retired sum (in place of what it held there before, if anything). */
  #retire(store: object, counts: Counts): void {
    const before = this.#retiredOf.get(store);
    if (before) addInto(this.#retired, before, -1);
    addInto(this.#retired, counts);
    this.#retiredOf.set(store, counts);
  }

  /** The store's health, or undefined for a store without one (the in-memory default) or whose report is unusable. */
  #read(store: OverloadStore): Reading | undefined {
    if (typeof store.health !== 'function') return undefined;
    try {
      const health = store.health();
      if (typeof health?.sharing !== 'boolean') throw new TypeError(`health() returned ${JSON.stringify(health)}, not { sharing: boolean, localAnswers }`);
      const localAnswers = new Map<StoreReason, number>();
      for (const [reason, n] of Object.entries(health.localAnswers ?? {})) {
        // A count that is not a count is left out rather than breaking the sum.
        if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) continue;
        const r = storeReasonOf(reason);
        localAnswers.set(r, (localAnswers.get(r) ?? 0) + n);
      }
      return { sharing: health.sharing, localAnswers, closed: health.closed === true };
    } catch (error) {
      if (!this.#reportedBroken.has(store)) {
        this.#reportedBroken.add(store);
        diag.error("@stormwatch/telemetry: an overload store's health() failed; its health is left out of the store metrics", error);
      }
      return undefined;
    }
  }
}
