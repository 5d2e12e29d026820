import Anthropic from '@anthropic-ai/sdk';
import { createPolicy } from '@stormwatch/core';
import type { PolicyUnderTest } from './PolicyUnderTest.js';
import { classifyAnthropic } from './classifyAnthropic.js';
import { sendMessage } from './sendMessage.js';

/**
 * Policy 6, Stormwatch's default policy: `@stormwatch/core`'s `createPolicy` with every
 * default (3 attempts, full jitter base 1 s / cap 60 s, retry-after honoured, retry
 * budget 10 % + 1 retry/s, breaker 5 consecutive failures / 30 s per model, 60 s total
 * delay cap), the Anthropic classifier, and the scenario's fallback chain when the
 * application declares one. The SDK runs with `maxRetries: 0` (the policy owns every
 * retry) and each call passes its deadline. Time and jitter come from the run's clock
 * and seeded random source.
 */
export const stormwatchDefault: PolicyUnderTest = {
  id: 'stormwatch',
  label: 'Stormwatch default',
  description:
    "Stormwatch's default policy (core createPolicy): 3 attempts, full jitter 1-60 s, retry-after, retry budget 10 % + 1/s, breaker 5/30 s per model, fallback chain, call deadline.",
  createCaller(env) {
    const client = new Anthropic({ apiKey: 'sk-ant-sim-0000', baseURL: env.baseURL, fetch: env.fetch, maxRetries: 0 });
    const policy = createPolicy({
      name: 'stormwatch',
      classify: classifyAnthropic,
      clock: env.clock,
      random: env.random,
      ...(env.fallbackModels.length > 0 ? { fallback: { models: env.fallbackModels } } : {}),
    });
    return (call) =>
      policy.execute((ctx) => sendMessage(client, call, ctx.model, { signal: ctx.signal }), {
        model: call.model,
        deadlineMs: call.deadlineMs,
      });
  },
};


