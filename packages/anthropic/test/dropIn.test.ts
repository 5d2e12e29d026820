import Anthropic, { APIPromise } from '@anthropic-ai/sdk';
import { Stream } from '@anthropic-ai/sdk/core/streaming';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages/messages';
import { AttemptOutcome, CallOutcome } from '@stormwatch/conventions';
import { createPolicy, isCircuitOpenError } from '@stormwatch/core';
import { FakeAnthropic, ok, overloaded, rateLimited } from '@stormwatch/fake-anthropic';
import { afterEach, describe, expect, it } from 'vitest';
import { createClassifier, resilient, retriesExhaustedInfo, type ResilientClient } from '../src/index.js';
import { drive, messages, opus, record, setup } from './harness.js';

let server: FakeAnthropic | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Code written for the SDK, untouched: it takes an `Anthropic`. */
async function summarise(client: Anthropic): Promise<string> {
  const message = await client.messages.create({ model: opus, max_tokens: 64, messages });
  const first = message.content[0];
  return first?.type === 'text' ? first.text : '';
}

describe('the wrapped client is an Anthropic', () => {
  it('is accepted where an Anthropic is expected, and its calls go through the policy', async () => {
    const s = await setup([overloaded(), ok({ text: 'calm' })]);
    server = s.server;
    // Compiles: a ResilientClient is assignable to Anthropic (this file is type-checked).
    const asSdk: Anthropic = s.client;
    const { value } = await drive(s.clock, summarise(asSdk));
    expect(value).toBe('calm');
    expect(s.events.attempts.map((a) => a.outcome)).toEqual([AttemptOutcome.RETRYABLE_ERROR, AttemptOutcome.SUCCESS]);
  });

  it('returns the SDK’s own APIPromise from create(), with withResponse() and asResponse()', async () => {
    const s = await setup([ok({ text: 'calm' })]);
    server = s.server;
    const promise = s.client.messages.create({ model: opus, max_tokens: 64, messages });
    expect(promise).toBeInstanceOf(APIPromise);
    const { value } = await drive(s.clock, promise.withResponse());
    expect(value!.data).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'calm' }] });
    expect(value!.request_id).toBe('req_fake_1');
    expect(value!.response.status).toBe(200);
    expect((await promise)._request_id).toBe('req_fake_1');
    // asResponse(): a body that reads as the message the call delivered.
    const raw = await promise.asResponse();
    expect(raw.headers.get('request-id')).toBe('req_fake_1');
    expect(await raw.json()).toEqual(JSON.parse(JSON.stringify(value!.data)));
  });

  it('gives asResponse() of a stream its events as server-sent events the SDK reads back', async () => {
    const s = await setup([overloaded(), ok({ text: 'streamed' })]);
    server = s.server;
    const promise = s.client.messages.create({ model: opus, max_tokens: 64, messages, stream: true });
    const { value: response } = await drive(s.clock, promise.asResponse());
    expect(response!.status).toBe(200);
    const events = [];
    for await (const event of Stream.fromSSEResponse<RawMessageStreamEvent>(response!, new AbortController())) events.push(event);
    expect(events.map((e) => e.type)).toContain('message_stop');
    const text = events.flatMap((e) => (e.type === 'content_block_delta' && e.delta.type === 'text_delta' ? [e.delta.text] : [])).join('');
    expect(text).toBe('streamed');
  });

  it('runs messages.parse() under the policy (the SDK’s helper calls the wrapped create)', async () => {
    const s = await setup([overloaded(), ok({ text: 'parsed' })]);
    server = s.server;
    const { value } = await drive(s.clock, s.client.messages.parse({ model: opus, max_tokens: 64, messages }));
    expect(value!.content[0]).toMatchObject({ type: 'text', text: 'parsed' });
    expect(s.server.requests).toHaveLength(2);
    expect(s.events.calls).toEqual([expect.objectContaining({ outcome: CallOutcome.SUCCESS, attempts: 2 })]);
  });
});

describe('beta.messages and withOptions() go through the same policy', () => {
  it('retries beta.messages.create under the policy, with the beta header the SDK sets', async () => {
    const s = await setup([overloaded(), ok({ text: 'beta' })]);
    server = s.server;
    const { value } = await drive(s.clock, s.client.beta.messages.create({ model: opus, max_tokens: 64, messages, betas: ['context-management-2025-06-27'] }));
    expect(value!.content[0]).toMatchObject({ type: 'text', text: 'beta' });
    expect(s.server.requests.map((r) => r.headers['anthropic-beta'])).toEqual(['context-management-2025-06-27', 'context-management-2025-06-27']);
    // One attempt per request: the SDK's own retries stay off for the beta API too.
    expect(s.events.attempts.map((a) => a.outcome)).toEqual([AttemptOutcome.RETRYABLE_ERROR, AttemptOutcome.SUCCESS]);
  });

  it('streams beta.messages.stream() under the policy into the SDK’s BetaMessageStream', async () => {
    const s = await setup([overloaded(), ok({ text: 'beta stream' })]);
    server = s.server;
    const stream = s.client.beta.messages.stream({ model: opus, max_tokens: 64, messages });
    const { value } = await drive(s.clock, stream.finalMessage());
    expect(value!.content[0]).toMatchObject({ type: 'text', text: 'beta stream' });
    expect(s.events.calls).toEqual([expect.objectContaining({ outcome: CallOutcome.SUCCESS, attempts: 2 })]);
  });

  it('keeps the policy, and the copy’s own options, in a withOptions() copy', async () => {
    const s = await setup([overloaded(), ok({ text: 'copy' })]);
    server = s.server;
    const copy: ResilientClient = s.client.withOptions({ defaultHeaders: { 'x-team': 'search' }, maxRetries: 7 });
    expect(copy.policy).toBe(s.client.policy);
    expect(copy.sdk.maxRetries).toBe(0);
    const { value } = await drive(s.clock, copy.messages.create({ model: opus, max_tokens: 64, messages }));
    expect(value!.content[0]).toMatchObject({ text: 'copy' });
    expect(s.server.requests.map((r) => r.headers['x-team'])).toEqual(['search', 'search']);
    expect(s.events.attempts).toHaveLength(2);
  });
});

describe('errors the caller gets', () => {
  it('hands back the SDK’s RateLimitError, with its status and headers, when retries run out', async () => {
    const s = await setup([rateLimited(1), rateLimited(1), rateLimited(1)], { policyOptions: { maxAttempts: 3 } });
    server = s.server;
    const { error } = await drive(s.clock, s.client.messages.create({ model: opus, max_tokens: 64, messages }));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error).toMatchObject({ status: 429 });
    expect((error as InstanceType<typeof Anthropic.APIError>).headers?.get('retry-after')).toBe('1');
    expect(retriesExhaustedInfo(error)).toEqual({ reason: 'max_attempts', attempts: 3 });
    expect(retriesExhaustedInfo(new Error('other'))).toBeUndefined();
  });

  it('keeps its own error when it refuses a call with no response (open circuit)', async () => {
    server = await FakeAnthropic.start({ script: [overloaded(), overloaded(), overloaded(), overloaded()] });
    const policy = createPolicy({ name: 'drop-in-breaker', classify: createClassifier(), maxAttempts: 1, admission: false, budget: false, breaker: { threshold: 2 } });
    const client = resilient(new Anthropic({ baseURL: server.url, apiKey: 'k' }), { policy });
    const events = record(policy);
    for (let i = 0; i < 2; i++) await client.messages.create({ model: opus, max_tokens: 8, messages }).catch(() => undefined);
    const error = await client.messages.create({ model: opus, max_tokens: 8, messages }).catch((e: unknown) => e);
    expect(isCircuitOpenError(error)).toBe(true);
    expect(error).not.toBeInstanceOf(Anthropic.APIError);
    expect(events.calls.at(-1)).toMatchObject({ attempts: 0 });
  });
});

describe('bad options fail at construction, naming the option', () => {
  const sdk = new Anthropic({ apiKey: 'k', baseURL: 'http://127.0.0.1:9' });
  it.each([
    ['a number', 42, /policy must be a policy name or a Policy from createPolicy\(\), got number 42/],
    ['an empty object', {}, /policy must be a policy name or a Policy from createPolicy\(\), got an object that is not a policy/],
    ['null', null, /policy must be .* got null/],
  ])('rejects policy: %s', (_name, policy, message) => {
    expect(() => resilient(sdk, { policy: policy as never })).toThrow(message);
  });
});
