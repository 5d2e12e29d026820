import Anthropic from '@anthropic-ai/sdk';
import { resilient, type ResilientClient, type ResilientRequestOptions } from '@stormwatch/anthropic';
import type { PolicyOptions } from '@stormwatch/core';
import type { ClientEnv, PolicyUnderTest, SimCall, SimCallResult } from './PolicyUnderTest.js';
import { messageParams } from './sendMessage.js';

/**
 * A caller through `resilient()` with the given core options on top of the scenario's clock
 * and random source: the Stormwatch rows (`stormwatch`, `stormwatch-0.1`,
 * `stormwatch-shared`) differ only in these options.
 */
export function stormwatchCaller(env: ClientEnv, policyOptions: Partial<PolicyOptions>) {
  const client = stormwatchClient(env, policyOptions);
  return (call: SimCall) => sendThrough(client, messageParams(call, call.model), call.stream, { deadlineMs: call.deadlineMs });
}

/** The resilient client a Stormwatch row's client calls through (see {@link stormwatchCaller}). */
export function stormwatchClient(env: ClientEnv, policyOptions: Partial<PolicyOptions>): ResilientClient {
  return resilient(new Anthropic({ apiKey: 'sk-ant-sim-0000', baseURL: env.baseURL, fetch: env.fetch }), {
    policy: 'stormwatch',
    ...(env.fallbackModels.length > 0 ? { fallback: env.fallbackModels } : {}),
    // A store the fleet's processes share (ClientEnv.store: Redis in the live fleet) replaces the row's own.
    policyOptions: { clock: env.clock, random: env.random, ...policyOptions, ...(env.store === undefined ? {} : { store: env.store }) },
  });
}

/**
 * One call through a resilient client: `messages.create(body)`, or with `stream: true`
 * iterated to its end. Resolves with the answer's message id and model.
 */
export async function sendThrough(client: ResilientClient, body: Anthropic.MessageCreateParamsNonStreaming, stream: boolean, options: ResilientRequestOptions): Promise<SimCallResult> {
  if (!stream) {
    const message = await client.messages.create(body, options);
    return { messageId: message.id, model: message.model };
  }
  const events = await client.messages.create({ ...body, stream: true }, options);
  let result: SimCallResult | undefined;
  for await (const event of events) {
    if (event.type === 'message_start') result = { messageId: event.message.id, model: event.message.model };
  }
  if (result === undefined) throw new Error('stream ended without message_start');
  return result;
}

/**
 * Policy 6, Stormwatch's default policy as an application gets it:
 * `resilient(new Anthropic(...), { policy, fallback })` from `@stormwatch/anthropic`, with
 * every default of the core policy: admission control per model (when a model overloads,
 * calls wait in an earliest-deadline-first queue and are sent at the rate it accepts,
 * learned from 529s; refused only when the deadline cannot be met), 429 `retry-after`
 * pausing the model, 3 attempts for errors that are not overload, full jitter base 1 s /
 * cap 60 s, retry budget 10 % + 1 retry/s, a breaker (5 consecutive failures that are not
 * overload; open 5 s, doubling to 60 s while probes fail), 60 s total delay cap, the
 * scenario's fallback chain and each call's deadline. The wrapped SDK runs with
 * `maxRetries: 0`. Streams are retried transparently until their first content; a stream
 * broken after it fails the call with `StreamInterruptedError`, as the library does. Only
 * the clock and the seeded random source are injected.
 */
export const stormwatchDefault: PolicyUnderTest = {
  id: 'stormwatch',
  label: 'Stormwatch default',
  description:
    "Stormwatch's default policy via @stormwatch/anthropic resilient(): admission control per model (paced at the learned rate, refused only when the deadline cannot be met), 429 retry-after pauses the model, breaker for non-overload errors (5, open 5-60 s), retry budget, fallback chain, call deadline.",
  usesStore: true,
  createCaller: (env) => stormwatchCaller(env, {}),
};

/**
 * Stormwatch 0.1's default, kept as a peer so the change is visible: admission control off,
 * so overloads are retried after full-jitter backoff (3 attempts) and counted by a breaker
 * of 5 consecutive failures that stays open a fixed 30 s.
 */
export const stormwatch01: PolicyUnderTest = {
  id: 'stormwatch-0.1',
  label: 'Stormwatch 0.1',
  // The id the default had in 0.1: the same random draws, so its figures are 0.1's own.
  seedName: 'stormwatch',
  description:
    "Stormwatch 0.1's default: 3 attempts, full jitter 1-60 s, retry-after, retry budget 10 % + 1/s, breaker 5/30 s per model counting overloads, fallback chain, call deadline (admission: false).",
  usesStore: true,
  createCaller: (env) => stormwatchCaller(env, { admission: false }),
};
