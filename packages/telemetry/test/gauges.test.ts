import { ATTR_BREAKER_KEY, ATTR_GEN_AI_REQUEST_MODEL, ATTR_RATELIMIT_KIND, METRIC_BREAKER_STATE, METRIC_LIMITER_RATE, METRIC_RATELIMIT_REMAINING, RatelimitKind } from '@stormwatch/conventions';
import { createPolicy, seededRandom, VirtualClock, type Policy } from '@stormwatch/core';
import { AggregationTemporality, MeterProvider, type MetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { instrumentAllPolicies, instrumentPolicy } from '../src/index.js';
import type { IDisposable } from '@stormwatch/core';
import { classify, overloaded, script, settle, setup, TestReader } from './harness.js';

const OPUS = 'claude-opus-4-7';

/** The breaker-state series one collection reports, as [key, value]. */
async function gaugeValues(reader: MetricReader): Promise<Array<[unknown, unknown]>> {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === METRIC_BREAKER_STATE);
  return (metric?.dataPoints ?? []).map((p) => [p.attributes[ATTR_BREAKER_KEY], p.value]);
}

const registrations: Array<IDisposable | undefined> = [];

/** The breakers here open on a 529: the 0.1 loop's breaker (`admission: false`). */
describe('gauges shared by several policies on one meter', () => {
  it('report one series per key: the worst breaker state and the latest values', async () => {
    const t = setup({ name: 'chat', admission: false, breaker: { threshold: 1, halfOpenAfterMs: 30_000 }, limiter: { initialRate: 10 } });
    const other = createPolicy({ name: 'batch', classify, clock: t.clock, random: seededRandom(2), limiter: { initialRate: 10 } });
    instrumentPolicy(other, { meterProvider: t.meterProvider, tracerProvider: t.tracerProvider });

    // chat's Opus breaker opens; batch's Opus breaker stays closed.
    await settle(t.clock, t.policy.execute(script([overloaded()]), { model: OPUS }));
    await settle(t.clock, other.execute(script(['ok'], (ctx) => void (ctx.details.rateLimitRemaining = { requests: 40 })), { model: OPUS }));
    await settle(t.clock, t.policy.execute(script(['never']), { model: OPUS })).catch(() => undefined);
    await settle(t.clock, other.execute(script(['ok'], (ctx) => void (ctx.details.rateLimitRemaining = { requests: 39 })), { model: OPUS }));

    expect(t.policy.breakerState(OPUS)).toBe('open');
    expect(other.breakerState(OPUS)).toBe('closed');
    expect(await t.points(METRIC_BREAKER_STATE)).toEqual([{ attributes: { [ATTR_BREAKER_KEY]: OPUS }, value: 1 }]);
    expect(await t.points(METRIC_RATELIMIT_REMAINING)).toEqual([
      { attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_RATELIMIT_KIND]: RatelimitKind.REQUESTS }, value: 39 },
    ]);
    expect((await t.points(METRIC_LIMITER_RATE)).map((p) => p.attributes)).toEqual([{ [ATTR_GEN_AI_REQUEST_MODEL]: OPUS }]);
  });

  it('drop a disposed instrumentation', async () => {
    const reader = new TestReader(AggregationTemporality.DELTA);
    const t = setup({ admission: false, breaker: { threshold: 1, halfOpenAfterMs: 30_000 } }, { meterProvider: new MeterProvider({ readers: [reader] }) });
    await settle(t.clock, t.policy.execute(script([overloaded()]), { model: OPUS }));
    expect(await gaugeValues(reader)).toEqual([[OPUS, 1]]);
    expect(await gaugeValues(reader)).toEqual([[OPUS, 1]]);
    t.handle.dispose();
    expect(await gaugeValues(reader)).toEqual([]);
  });

  it.each(['instrumentPolicy', 'instrumentAllPolicies'] as const)('never keep a policy alive (%s)', async (how) => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'run with --expose-gc').toBeTypeOf('function');
    const reader = new TestReader(AggregationTemporality.DELTA);
    const meterProvider = new MeterProvider({ readers: [reader] });
    const clock = new VirtualClock();
    let ref: WeakRef<Policy> | undefined;
    await (async () => {
      const all = how === 'instrumentAllPolicies' ? instrumentAllPolicies({ meterProvider }) : undefined;
      const policy = createPolicy({ name: 'short-lived', classify, clock, admission: false, breaker: { threshold: 1, halfOpenAfterMs: 30_000 } });
      if (!all) instrumentPolicy(policy, { meterProvider });
      registrations.push(all);
      await settle(clock, policy.execute(script([overloaded()]), { model: 'claude-haiku-4-5' }));
      ref = new WeakRef(policy);
    })();
    expect(await gaugeValues(reader)).toEqual([['claude-haiku-4-5', 1]]);
    for (let i = 0; i < 5 && ref!.deref(); i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc!();
    }
    expect(ref!.deref()).toBeUndefined();
    expect(await gaugeValues(reader)).toEqual([]);
    for (const r of registrations.splice(0)) r?.dispose();
  });
});
