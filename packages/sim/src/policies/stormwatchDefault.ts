import Anthropic from '@anthropic-ai/sdk';
import { resilient } from '@stormwatch/anthropic';
import type { PolicyUnderTest } from './PolicyUnderTest.js';
import { messageParams } from './sendMessage.js';

/**
 * Policy 6, Stormwatch's default policy as an application gets it:
 * `resilient(new Anthropic(...), { policy, fallback })` from `@stormwatch/anthropic`, with
 * every default of the core policy (3 attempts, full jitter base 1 s / cap 60 s,
 * retry-after honoured, retry budget 10 % + 1 retry/s, breaker 5 consecutive failures /
 * 30 s per model, 60 s total delay cap), the package's classifier, the scenario's fallback
 * chain when the application declares one, and each call's deadline. The wrapped SDK runs
 * with `maxRetries: 0`. Streams are retried transparently until their first content; a
 * stream broken after it fails the call with `StreamInterruptedError` (the application
 * has already shown part of the answer), as the library does. Only the clock and the
 * seeded random source are injected.
 */
export const stormwatchDefault: PolicyUnderTest = {
  id: 'stormwatch',
  label: 'Stormwatch default',
  description:
    "Stormwatch's default policy via @stormwatch/anthropic resilient(): 3 attempts, full jitter 1-60 s, retry-after, retry budget 10 % + 1/s, breaker 5/30 s per model, fallback chain, call deadline; streams retried until first content.",
  createCaller(env) {
    const client = resilient(new Anthropic({ apiKey: 'sk-ant-sim-0000', baseURL: env.baseURL, fetch: env.fetch }), {
      policy: 'stormwatch',
      ...(env.fallbackModels.length > 0 ? { fallback: env.fallbackModels } : {}),
      policyOptions: { clock: env.clock, random: env.random },
    });
    return async (call) => {
      const body = messageParams(call, call.model);
      if (!call.stream) {
        const message = await client.messages.create(body, { deadlineMs: call.deadlineMs });
        return { messageId: message.id, model: message.model };
      }
      const stream = await client.messages.create({ ...body, stream: true }, { deadlineMs: call.deadlineMs });
      let result: { messageId: string; model: string } | undefined;
      for await (const event of stream) {
        if (event.type === 'message_start') result = { messageId: event.message.id, model: event.message.model };
      }
      if (result === undefined) throw new Error('stream ended without message_start');
      return result;
    };
  },
};
