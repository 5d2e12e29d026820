import { ALERT_THRESHOLDS } from './alertThresholds.js';

/**
 * Storm detection: from the amplification and overload-ratio series of each service and
 * model, the intervals in which retries multiplied the load or the API was overloaded.
 * Pure: the Grafana app turns its data frames into {@link Series} and calls this.
 */

/** One time series: its labels and its samples as [epoch milliseconds, value]. */
export interface Series {
  readonly labels: Readonly<Record<string, string>>;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

/** What counts as a storm. */
export interface StormThresholds {
  /** Retry amplification (attempts per call) above which a sample is stormy. Default 2 (the retry-storm alert). */
  readonly amplification: number;
  /** Overload ratio (0..1) above which a sample is stormy. Default 0.2 (the overload alert). */
  readonly overloadRatio: number;
  /** Shortest storm kept, in milliseconds. Default 60 000. */
  readonly minDurationMs: number;
}

/** The retry-storm and overload alerts' thresholds (ALERT_THRESHOLDS), and one minute. */
export const DEFAULT_STORM_THRESHOLDS: StormThresholds = Object.freeze({
  amplification: ALERT_THRESHOLDS.retryAmplification,
  overloadRatio: ALERT_THRESHOLDS.overloadRatio,
  minDurationMs: 60_000,
});

/** Inputs, each series labelled by service and model (the queries' `storm*` builders). */
export interface StormInputs {
  readonly amplification: readonly Series[];
  readonly overloadRatio: readonly Series[];
  /** Overloaded (529) attempts per second. */
  readonly overloadedPerSecond?: readonly Series[];
  /** Wasted USD per hour. */
  readonly wastedUsdPerHour?: readonly Series[];
  /** Distance between samples, in milliseconds (the query step). */
  readonly stepMs: number;
}

/** One detected storm. */
export interface Storm {
  /** First stormy sample, epoch ms. */
  readonly start: number;
  /** Last stormy sample plus one step, epoch ms. */
  readonly end: number;
  readonly peakAmplification: number;
  readonly peakOverloadRatio: number;
  /** Overloaded (529) attempts in the interval, over every involved service and model. */
  readonly overloaded: number;
  /** Wasted USD in the interval, over every involved service and model. */
  readonly wastedUsd: number;
  /** `retries`: amplification only; `api`: overload only; `both`. */
  readonly cause: 'retries' | 'api' | 'both';
  readonly services: readonly string[];
  readonly models: readonly string[];
}

/** Labels that identify a series; default `job` and `gen_ai_request_model`. */
export interface StormKeyLabels {
  readonly service: string;
  readonly model: string;
}

function checkThresholds(t: StormThresholds): void {
  for (const [name, value] of Object.entries(t)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`storm threshold ${name} must be a finite number >= 0, got ${String(value)}`);
    }
  }
}

interface KeyedInterval {
  readonly service: string;
  readonly model: string;
  start: number;
  last: number;
  ampHit: boolean;
  overloadHit: boolean;
}

function keyOf(labels: Readonly<Record<string, string>>, keys: StormKeyLabels): [string, string, string] {
  const service = labels[keys.service] ?? '';
  const model = labels[keys.model] ?? '';
  return [JSON.stringify([service, model]), service, model];
}

function index(series: readonly Series[], keys: StormKeyLabels): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const s of series) {
    const [key] = keyOf(s.labels, keys);
    const byTime = out.get(key) ?? new Map<number, number>();
    for (const [t, v] of s.points) if (Number.isFinite(v)) byTime.set(t, Math.max(v, byTime.get(t) ?? -Infinity));
    out.set(key, byTime);
  }
  return out;
}

function integrate(
  series: readonly Series[] | undefined,
  keys: StormKeyLabels,
  involved: ReadonlySet<string>,
  start: number,
  end: number,
  stepMs: number,
  msPerUnit: number,
): number {
  let total = 0;
  for (const s of series ?? []) {
    if (!involved.has(keyOf(s.labels, keys)[0])) continue;
    for (const [t, v] of s.points) if (t >= start && t < end && Number.isFinite(v)) total += (v * stepMs) / msPerUnit;
  }
  return total;
}

/**
 * Detects storms. A sample of a service and model is stormy when its amplification or its
 * overload ratio exceeds the threshold; consecutive stormy samples (no more than one step
 * apart) form an interval; overlapping intervals of different services and models merge
 * into one storm; storms shorter than `minDurationMs` are dropped. 529s and wasted USD are
 * the rates integrated over the storm's samples (rate × step). Sorted by start.
 * @throws RangeError on a negative or non-finite threshold or step.
 */
export function detectStorms(
  inputs: StormInputs,
  thresholds: StormThresholds = DEFAULT_STORM_THRESHOLDS,
  keys: StormKeyLabels = { service: 'job', model: 'gen_ai_request_model' },
): Storm[] {
  checkThresholds(thresholds);
  const { stepMs } = inputs;
  if (!Number.isFinite(stepMs) || stepMs <= 0) throw new RangeError(`stepMs must be a positive number, got ${stepMs}`);
  const amp = index(inputs.amplification, keys);
  const ovl = index(inputs.overloadRatio, keys);
  const names = new Map<string, [string, string]>();
  for (const s of [...inputs.amplification, ...inputs.overloadRatio]) {
    const [key, service, model] = keyOf(s.labels, keys);
    names.set(key, [service, model]);
  }

  // Per service and model: runs of stormy samples.
  const intervals: (KeyedInterval & { key: string })[] = [];
  for (const [key, [service, model]] of names) {
    const a = amp.get(key) ?? new Map<number, number>();
    const o = ovl.get(key) ?? new Map<number, number>();
    const times = [...new Set([...a.keys(), ...o.keys()])].sort((x, y) => x - y);
    let current: (KeyedInterval & { key: string }) | undefined;
    for (const t of times) {
      const ampHit = (a.get(t) ?? 0) > thresholds.amplification;
      const overloadHit = (o.get(t) ?? 0) > thresholds.overloadRatio;
      if (!ampHit && !overloadHit) {
        current = undefined;
        continue;
      }
      if (current && t - current.last <= stepMs) {
        current.last = t;
        current.ampHit ||= ampHit;
        current.overloadHit ||= overloadHit;
      } else {
        current = { key, service, model, start: t, last: t, ampHit, overloadHit };
        intervals.push(current);
      }
    }
  }

  // Merge overlapping or adjacent intervals across services and models.
  intervals.sort((x, y) => x.start - y.start);
  const groups: (typeof intervals)[] = [];
  let groupEnd = -Infinity;
  for (const iv of intervals) {
    const last = groups[groups.length - 1];
    if (last && iv.start <= groupEnd + stepMs) {
      last.push(iv);
      groupEnd = Math.max(groupEnd, iv.last);
    } else {
      groups.push([iv]);
      groupEnd = iv.last;
    }
  }

  const storms: Storm[] = [];
  for (const group of groups) {
    const start = Math.min(...group.map((g) => g.start));
    const end = Math.max(...group.map((g) => g.last)) + stepMs;
    if (end - start < thresholds.minDurationMs) continue;
    const involved = new Set(group.map((g) => g.key));
    const peak = (m: Map<string, Map<number, number>>): number => {
      let best = 0;
      for (const key of involved) {
        for (const [t, v] of m.get(key) ?? []) if (t >= start && t < end) best = Math.max(best, v);
      }
      return best;
    };
    const ampHit = group.some((g) => g.ampHit);
    const overloadHit = group.some((g) => g.overloadHit);
    storms.push({
      start,
      end,
      peakAmplification: peak(amp),
      peakOverloadRatio: peak(ovl),
      overloaded: integrate(inputs.overloadedPerSecond, keys, involved, start, end, stepMs, 1000),
      wastedUsd: integrate(inputs.wastedUsdPerHour, keys, involved, start, end, stepMs, 3_600_000),
      cause: ampHit && overloadHit ? 'both' : ampHit ? 'retries' : 'api',
      services: [...new Set(group.map((g) => g.service))].sort(),
      models: [...new Set(group.map((g) => g.model))].sort(),
    });
  }
  return storms;
}
