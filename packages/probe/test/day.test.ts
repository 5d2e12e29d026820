import Anthropic from '@anthropic-ai/sdk';
import { METRIC_PROBE_REQUESTS, METRIC_PROBE_SINCE_LAST_SUCCESS } from '@stormwatch/conventions';
import { seededRandom, VirtualClock } from '@stormwatch/core';
import { FakeAnthropicFetch, ok, overloaded } from '@stormwatch/fake-anthropic';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROBE_INTERVAL_MS, DEFAULT_PROBE_JITTER, startProbe, worstCaseDailyCost } from '../src/index.js';
import { inMemoryMetrics } from './support/metrics.js';

const DAY = 86_400_000;
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('a day of probing in virtual time', () => {
  it('stays within the worst-case request count, keeps one timer per model and a fixed set of series', { timeout: 120_000 }, async () => {
    const clock = new VirtualClock();
    let seq = 0;
    // Every tenth request is overloaded: the policy's retries run too.
    const fake = new FakeAnthropicFetch({ otherwise: () => (++seq % 10 === 0 ? overloaded() : ok({ text: 'p' })) });
    const { meterProvider, points } = inMemoryMetrics();
    const models = ['claude-haiku-4-5', 'claude-sonnet-4-6'];
    const probe = startProbe({
      client: new Anthropic({ baseURL: fake.url, fetch: fake.fetch, apiKey: 'sk-ant-test' }),
      models,
      clock,
      random: seededRandom(4),
      meterProvider,
      statusPage: false,
    });
    let maxTimers = 0;
    let hourlySeries: number | undefined;
    for (let steps = 0; clock.now() < DAY; steps++) {
      if (steps > 1_000_000) throw new Error('the day did not end');
      if (clock.pendingTimers === 0) {
        await settle();
        continue;
      }
      maxTimers = Math.max(maxTimers, clock.pendingTimers);
      const hourBefore = Math.floor(clock.now() / 3_600_000);
      await clock.runNext();
      if (Math.floor(clock.now() / 3_600_000) !== hourBefore) {
        const series = (await points(METRIC_PROBE_REQUESTS)).length + (await points(METRIC_PROBE_SINCE_LAST_SUCCESS)).length;
        if (hourBefore >= 1) expect(series, `series at hour ${hourBefore + 1}`).toBe(hourlySeries);
        hourlySeries = series;
      }
    }
    await probe.stop();
    const bound = worstCaseDailyCost(models[0]!, DEFAULT_PROBE_INTERVAL_MS, DEFAULT_PROBE_JITTER).requests;
    const probes = (await points(METRIC_PROBE_REQUESTS)).reduce((sum, p) => sum + (p.value as number), 0);
    expect(probes).toBeGreaterThan(0.8 * (DAY / DEFAULT_PROBE_INTERVAL_MS) * models.length);
    expect(probes).toBeLessThanOrEqual(bound * models.length);
    // Sent requests: the probes plus the policy's retries of the 529s, at most 3 attempts each.
    expect(fake.requests.length).toBeLessThanOrEqual(3 * probes);
    // One sleeping loop per model, plus at most a backoff or deadline timer each.
    expect(maxTimers).toBeLessThanOrEqual(2 * models.length);
    // After stop nothing is sent, whatever timers the policy still had (a shared-admission slot poll may fire once).
    const sent = fake.requests.length;
    await clock.runAll();
    await settle();
    expect(fake.requests.length).toBe(sent);
    expect(clock.pendingTimers).toBe(0);
  });
});
