/**
 * Checks a scenario before it runs: every number in range, every window ordered, every
 * model the fleet asks for hosted and priced. Throws a RangeError or TypeError naming the
 * bad value.
 */
import { priceOf } from '@stormwatch/anthropic';
import type { Scenario, TimeWindow } from './Scenario.js';

function positive(name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RangeError(`scenario: ${name} must be a finite number > 0, got ${String(v)}`);
}

function nonNegative(name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`scenario: ${name} must be a finite number >= 0, got ${String(v)}`);
}

function share(name: string, v: unknown, allowZero: boolean): void {
  if (typeof v !== 'number' || !(allowZero ? v >= 0 : v > 0) || v > 1) {
    throw new RangeError(`scenario: ${name} must be in ${allowZero ? '[0' : '(0'}, 1], got ${String(v)}`);
  }
}

function window(name: string, w: TimeWindow): void {
  nonNegative(`${name}.startS`, w.startS);
  nonNegative(`${name}.endS`, w.endS);
  if (w.endS <= w.startS) throw new RangeError(`scenario: ${name} must end after it starts, got [${w.startS}, ${w.endS})`);
}

export function validateScenario(s: Scenario): Scenario {
  if (typeof s?.name !== 'string' || s.name === '') throw new TypeError(`scenario: name must be a non-empty string, got ${String(s?.name)}`);
  positive('durationS', s.durationS);
  if (s.arrivalsEndS !== undefined) positive('arrivalsEndS', s.arrivalsEndS);
  nonNegative('networkRttMs', s.networkRttMs);
  if (!Array.isArray(s.models) || s.models.length === 0) throw new TypeError('scenario: models must be a non-empty array');
  const ids = new Set<string>();
  for (const [i, m] of s.models.entries()) {
    if (typeof m.id !== 'string' || m.id === '') throw new TypeError(`scenario: models[${i}].id must be a non-empty string`);
    if (ids.has(m.id)) throw new RangeError(`scenario: model "${m.id}" is listed twice`);
    ids.add(m.id);
    if (priceOf(m.id) === undefined) throw new RangeError(`scenario: model "${m.id}" has no price in @stormwatch/anthropic's table`);
    positive(`models[${i}].requestsPerSecond`, m.requestsPerSecond);
    positive(`models[${i}].maxConcurrent`, m.maxConcurrent);
    nonNegative(`models[${i}].timeToFirstTokenMs`, m.timeToFirstTokenMs);
    positive(`models[${i}].outputTokensPerSecond`, m.outputTokensPerSecond);
  }
  s.overloads.forEach((w, i) => {
    window(`overloads[${i}]`, w);
    share(`overloads[${i}].factor`, w.factor, false);
    if (w.streamBreakProbability !== undefined) share(`overloads[${i}].streamBreakProbability`, w.streamBreakProbability, true);
    for (const m of w.models ?? []) if (!ids.has(m)) throw new RangeError(`scenario: overloads[${i}] names unknown model "${m}"`);
  });
  s.rateLimitWaves.forEach((w, i) => {
    window(`rateLimitWaves[${i}]`, w);
    positive(`rateLimitWaves[${i}].requestsPerSecond`, w.requestsPerSecond);
  });
  s.resetWaves.forEach((w, i) => {
    window(`resetWaves[${i}]`, w);
    share(`resetWaves[${i}].probability`, w.probability, true);
  });
  window('storm', s.storm);
  const f = s.fleet;
  if (f.kind !== 'open' && f.kind !== 'closed') throw new RangeError(`scenario: fleet.kind must be "open" or "closed", got ${String(f.kind)}`);
  if (!Number.isInteger(f.clients) || f.clients < 1) throw new RangeError(`scenario: fleet.clients must be an integer >= 1, got ${String(f.clients)}`);
  if (f.kind === 'open') positive('fleet.callsPerSecond', f.callsPerSecond);
  else positive('fleet.thinkTimeS', f.thinkTimeS);
  for (const m of [f.model, ...f.fallbackModels]) if (!ids.has(m)) throw new RangeError(`scenario: fleet uses model "${m}", which the service does not host`);
  for (const [name, r] of [['inputTokens', f.inputTokens], ['outputTokens', f.outputTokens]] as const) {
    if (!Number.isInteger(r.min) || !Number.isInteger(r.max) || r.min < 1 || r.max < r.min) {
      throw new RangeError(`scenario: fleet.${name} must be whole numbers with 1 <= min <= max, got ${r.min}..${r.max}`);
    }
  }
  share('fleet.streamShare', f.streamShare, true);
  positive('fleet.deadlineS', f.deadlineS);
  if (s.batch !== undefined) {
    positive('batch.processingS', s.batch.processingS);
    if (s.batch.processingS >= 24 * 3600) throw new RangeError(`scenario: batch.processingS must be under 24 h (86400 s: the API expires a batch then), got ${s.batch.processingS}`);
  }
  return s;
}
