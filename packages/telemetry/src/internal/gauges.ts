import type { Meter, ObservableResult } from '@opentelemetry/api';
import {
  ATTR_BREAKER_KEY,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_RATELIMIT_KIND,
  BREAKER_STATE_GAUGE_VALUE,
  BreakerState,
  RatelimitKind,
  type ModelAllowList,
} from '@stormwatch/conventions';
import type { AdmissionSnapshot, AttemptDetails, OverloadStore, Policy } from '@stormwatch/core';
import { admissionGaugeAttributes } from './attributes.js';
import type { Instruments } from './instruments.js';
import { StoreHealthObserver } from './storeHealth.js';

/** A value with the order in which it was seen, so the latest of several sources wins. */
interface Seen {
  value: number;
  seq: number;
}

/** One policy's admission control at a collection, models allow-listed. */
export interface AdmissionReading {
  /** The policy read: two instrumentations of one policy count it once. */
  readonly policy: object;
  readonly name: string;
  readonly states: Iterable<[string, AdmissionSnapshot]>;
}

/** What one instrumentation contributes to the gauges. */
export interface GaugeSource {
  /** Breaker states by (allow-listed) key, or undefined once the policy was garbage-collected. */
  breakerStates(): Iterable<[string, BreakerState]> | undefined;
  /** The policy's admission control by (allow-listed) model, or undefined once the policy was garbage-collected. */
  admission(): AdmissionReading | undefined;
  /** The policy's overload store, or undefined without one (or once the policy was garbage-collected). */
  store(): OverloadStore | undefined;
  /** Last `anthropic-ratelimit-*-remaining` values, by (allow-listed) model and kind. */
  readonly remaining: Map<string, Map<string, Seen>>;
  /** Last adaptive-limiter rates, by (allow-listed) model. */
  readonly limiterRates: Map<string, Seen>;
}

let seq = 0;
/** Stamps a value with a process-wide sequence number. */
export const seen = (value: number): Seen => ({ value, seq: ++seq });

/** Precedence when two policies hold a breaker for the same key: open over half-open over closed. */
const SEVERITY: Readonly<Record<BreakerState, number>> = { [BreakerState.CLOSED]: 0, [BreakerState.HALF_OPEN]: 1, [BreakerState.OPEN]: 2 };

/** The rate admission paces a model at, or undefined while it is calm (`Infinity`: no figure to report). */
const pacedRate = (s: AdmissionSnapshot): number | undefined => (Number.isFinite(s.ratePerSecond) ? s.ratePerSecond : undefined);
const queueDepth = (s: AdmissionSnapshot): number => s.queueDepth;

/**
 * The gauges of the contract, observed once per collection for every instrumentation
 * on one meter: one callback per gauge however many policies there are, and no duplicate
 * observations of one series. Sources of garbage-collected policies drop out by themselves.
 */
export class SharedGauges {
  readonly #sources = new Set<GaugeSource>();

  constructor(m: Instruments, meter: Meter) {
    m.breakerState.addCallback((result) => this.#observeBreakers(result));
    m.ratelimitRemaining.addCallback((result) => this.#observeRemaining(result));
    m.limiterRate.addCallback((result) => this.#observeLimiter(result));
    m.admissionQueueDepth.addCallback((result) => this.#observeAdmission(result, queueDepth));
    m.admissionRate.addCallback((result) => this.#observeAdmission(result, pacedRate));
    // Both store instruments from one read of each store's health.
    const stores = new StoreHealthObserver(m);
    meter.addBatchObservableCallback((result) => stores.observe(this.#stores(), result), [m.storeSharing, m.storeLocalAnswers]);
  }

  add(source: GaugeSource): () => void {
    this.#sources.add(source);
    return () => void this.#sources.delete(source);
  }

  #observeBreakers(result: ObservableResult): void {
    const worst = new Map<string, BreakerState>();
    for (const source of this.#sources) {
      const states = source.breakerStates();
      if (!states) {
        this.#sources.delete(source);
        continue;
      }
      for (const [key, state] of states) {
        const before = worst.get(key);
        if (before === undefined || SEVERITY[state] > SEVERITY[before]) worst.set(key, state);
      }
    }
    for (const [key, state] of worst) result.observe(BREAKER_STATE_GAUGE_VALUE[state], { [ATTR_BREAKER_KEY]: key });
  }

  #observeRemaining(result: ObservableResult): void {
    const latest = new Map<string, Map<string, Seen>>();
    for (const source of this.#sources) {
      for (const [model, byKind] of source.remaining) {
        let out = latest.get(model);
        if (!out) latest.set(model, (out = new Map()));
        for (const [kind, s] of byKind) if ((out.get(kind)?.seq ?? -1) < s.seq) out.set(kind, s);
      }
    }
    for (const [model, byKind] of latest) for (const [kind, s] of byKind) result.observe(s.value, { [ATTR_GEN_AI_REQUEST_MODEL]: model, [ATTR_RATELIMIT_KIND]: kind });
  }

  #observeLimiter(result: ObservableResult): void {
    const latest = new Map<string, Seen>();
    for (const source of this.#sources) for (const [model, s] of source.limiterRates) if ((latest.get(model)?.seq ?? -1) < s.seq) latest.set(model, s);
    for (const [model, s] of latest) result.observe(s.value, { [ATTR_GEN_AI_REQUEST_MODEL]: model });
  }

  /** The overload store of every live source's policy (a store shared by several, as often as it is shared). */
  *#stores(): Iterable<OverloadStore> {
    for (const source of this.#sources) {
      const store = source.store();
      if (store) yield store;
    }
  }

  /**
   * One series per model and policy name: each policy read once (however many
   * instrumentations it has on this meter), and the values of policies sharing a name, or
   * of models sharing an allow-listed value, added up — they are separate queues in one process.
   */
  #observeAdmission(result: ObservableResult, valueOf: (s: AdmissionSnapshot) => number | undefined): void {
    const read = new Set<object>();
    const totals = new Map<string, { model: string; policy: string; value: number }>();
    for (const source of this.#sources) {
      const reading = source.admission();
      if (!reading) {
        this.#sources.delete(source);
        continue;
      }
      if (read.has(reading.policy)) continue;
      read.add(reading.policy);
      for (const [model, snapshot] of reading.states) {
        const value = valueOf(snapshot);
        if (value === undefined) continue;
        const key = `${reading.name}\u0000${model}`;
        const total = totals.get(key);
        if (total) total.value += value;
        else totals.set(key, { model, policy: reading.name, value });
      }
    }
    for (const { model, policy, value } of totals.values()) result.observe(value, admissionGaugeAttributes(model, policy));
  }
}

/**
 * What one policy contributes to the gauges: its breakers, admission control and store (read at
 * collection), the last rate-limit headroom and limiter rate its attempts reported. It holds the policy weakly,
 * and nothing that holds the policy (the instrumentation, its subscriptions), so the meter
 * never keeps a discarded policy alive through it; it drops out of the gauges once the
 * policy is collected.
 */
export class PolicyGauges implements GaugeSource {
  readonly remaining: GaugeSource['remaining'] = new Map();
  readonly limiterRates: GaugeSource['limiterRates'] = new Map();
  readonly #policy: WeakRef<Policy>;
  readonly #modelOf: ModelAllowList;

  constructor(policy: Policy, modelOf: ModelAllowList) {
    this.#policy = new WeakRef(policy);
    this.#modelOf = modelOf;
  }

  breakerStates(): Iterable<[string, BreakerState]> | undefined {
    const live = this.#policy.deref();
    if (!live) return undefined;
    return [...live.breakerStates()].map(([key, state]): [string, BreakerState] => [this.#modelOf(key), state]);
  }

  admission(): AdmissionReading | undefined {
    const live = this.#policy.deref();
    if (!live) return undefined;
    const states = [...live.admissionStates()].map(([model, s]): [string, AdmissionSnapshot] => [this.#modelOf(model), s]);
    return { policy: live, name: live.name, states };
  }

  store(): OverloadStore | undefined {
    return this.#policy.deref()?.store;
  }

  /** Notes the `anthropic-ratelimit-*-remaining` values an attempt on (allow-listed) `model` reported. */
  recordRemaining(model: string, r: NonNullable<AttemptDetails['rateLimitRemaining']>): void {
    let byKind = this.remaining.get(model);
    if (!byKind) this.remaining.set(model, (byKind = new Map()));
    if (r.requests !== undefined) byKind.set(RatelimitKind.REQUESTS, seen(r.requests));
    if (r.inputTokens !== undefined) byKind.set(RatelimitKind.INPUT_TOKENS, seen(r.inputTokens));
    if (r.outputTokens !== undefined) byKind.set(RatelimitKind.OUTPUT_TOKENS, seen(r.outputTokens));
  }

  /** Notes the adaptive limiter's rate for (allow-listed) `model`. */
  recordLimiterRate(model: string, ratePerSecond: number): void {
    this.limiterRates.set(model, seen(ratePerSecond));
  }
}
