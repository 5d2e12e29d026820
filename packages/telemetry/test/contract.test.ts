import { POLICY_METRICS } from '@stormwatch/conventions';
import { createPolicy, InMemoryOverloadStore, type StoreHealth } from '@stormwatch/core';
import { describe, expect, it } from 'vitest';
import { instrumentPolicy } from '../src/index.js';
import { classify, overloaded, script, settle, setup } from './harness.js';

/** A shared store answering locally, as a Redis store that lost Redis reports itself. */
class DegradedStore extends InMemoryOverloadStore {
  health(): StoreHealth {
    return { sharing: false, localAnswers: { connection: 2 } };
  }
}

const OPUS = 'claude-opus-4-7';
const SONNET = 'claude-sonnet-4-6';

describe('the telemetry contract', () => {
  it('emits every instrument of TELEMETRY.md, each with only the attributes the contract lists', async () => {
    // The 0.1 loop (admission off), where a 529 opens the breaker and the retries wait out a backoff.
    const t = setup({
      admission: false,
      breaker: { threshold: 1, halfOpenAfterMs: 30_000 },
      fallback: { models: [SONNET], afterOverloads: 1 },
      budget: { ratio: 0.1, minRetriesPerSecond: 0 },
      limiter: { initialRate: 10 },
    });
    const during = script([overloaded(), 'ok'], (ctx) => {
      Object.assign(ctx.details, {
        usage: { inputTokens: 10, outputTokens: 5 },
        responseModel: ctx.model,
        serverAddress: 'api.anthropic.com',
        serverPort: 443,
        rateLimitRemaining: { requests: 3, inputTokens: 100, outputTokens: 50 },
      });
      if (ctx.attempt === 1) {
        ctx.call.details.wastedInputTokens.resent += 10;
        ctx.call.details.wastedCostUsd = 0.00003;
      } else ctx.call.details.costUsd = 0.0001;
    });
    // Opus 529s, its breaker opens, the call falls back to Sonnet and succeeds.
    await settle(t.clock, t.policy.execute(during, { model: OPUS }));
    // Sonnet 529s with no budget left: the retry is refused.
    await settle(t.clock, t.policy.execute(script([overloaded()]), { model: SONNET, allowFallback: false }));
    // Another policy (no breaker, no budget) retries after the server's retry-after.
    const withBudget = setup({ admission: false, breaker: false, budget: false });
    await settle(withBudget.clock, withBudget.policy.execute(script([overloaded(1000), 'ok']), { model: OPUS }));
    // Admission on (the default): the retry after a 529 waits for Opus's slot; a call whose
    // deadline comes before its turn is refused; Opus stays paced for the gauges.
    const paced = setup();
    await settle(paced.clock, paced.policy.execute(script([overloaded(), 'ok']), { model: OPUS }));
    await settle(paced.clock, paced.policy.execute(script(['never']), { model: OPUS, deadlineMs: 100 }));
    // A fleet's store: one answering locally (its health), one closed (its operations reject).
    const shared = setup({ store: new DegradedStore() });
    await settle(shared.clock, shared.policy.execute(script(['ok']), { model: OPUS }));
    const closed = new InMemoryOverloadStore();
    await closed.close();
    const onClosed = createPolicy({ name: 'closed', classify, clock: shared.clock, store: closed });
    instrumentPolicy(onClosed, { meterProvider: shared.meterProvider, tracerProvider: shared.tracerProvider });
    await settle(shared.clock, onClosed.execute(script(['ok']), { model: OPUS }));

    const seen = new Map<string, Set<string>>();
    for (const h of [t, withBudget, paced, shared]) {
      for (const metric of await h.collect()) {
        const keys = seen.get(metric.descriptor.name) ?? new Set<string>();
        for (const p of metric.dataPoints) for (const k of Object.keys(p.attributes)) keys.add(k);
        if (metric.dataPoints.length > 0) seen.set(metric.descriptor.name, keys);
      }
    }
    expect([...seen.keys()].sort()).toEqual(POLICY_METRICS.map((m) => m.name).sort());
    for (const def of POLICY_METRICS) {
      const unexpected = [...seen.get(def.name)!].filter((k) => !def.attributes.includes(k));
      expect(unexpected, def.name).toEqual([]);
    }
  });
});
