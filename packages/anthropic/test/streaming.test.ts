import Anthropic, { AnthropicError, APIUserAbortError } from '@anthropic-ai/sdk';
import { AttemptOutcome, CallOutcome, ErrorType } from '@stormwatch/conventions';
import { isCallAbortedError, isDeadlineExceededError } from '@stormwatch/core';
import { DEFAULT_TEXT, FakeAnthropic, ok, overloaded, streamCut, streamError, streamErrorAtStart, streamGarbage } from '@stormwatch/fake-anthropic';
import { afterEach, describe, expect, it } from 'vitest';
import { isStreamInterruptedError, resilient, StreamInterruptedError } from '../src/index.js';
import { drive, messages, record, setup, sonnet } from './harness.js';

let server: FakeAnthropic | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function readText(stream: AsyncIterable<{ type: string; delta?: unknown }>): Promise<{ text: string; error?: unknown }> {
  let text = '';
  try {
    for await (const event of stream) {
      const delta = event.delta as { type?: string; text?: string } | undefined;
      if (event.type === 'content_block_delta' && delta?.type === 'text_delta') text += delta.text;
    }
  } catch (error) {
    return { text, error };
  }
  return { text };
}

describe('streaming', () => {
  it('retries transparently an SSE overloaded_error that comes before any content', async () => {
    const s = await setup([streamError(0), ok()]);
    server = s.server;
    const { value: stream } = await drive(s.clock, s.client.messages.create({ model: sonnet, max_tokens: 64, messages, stream: true }));
    expect(await readText(stream!)).toEqual({ text: DEFAULT_TEXT });
    expect(server.requests).toHaveLength(2);
    expect(s.events.attempts.map((a) => [a.outcome, (a.classification as { errorType?: string } | undefined)?.errorType])).toEqual([
      [AttemptOutcome.RETRYABLE_ERROR, ErrorType.OVERLOADED],
      [AttemptOutcome.SUCCESS, undefined],
    ]);
    // message_start had arrived: the failed attempt's prompt was billed and thrown away.
    const input = server.requests[0]!.body ? (s.events.attempts[1]!.details as { inputTokens: number }).inputTokens : 0;
    expect((s.events.calls[0]!.call as { details: unknown }).details).toMatchObject({ wastedInputTokens: { billed: input, resent: input }, wastedOutputTokens: { billed: 1 } });
  });

  it('retries a 529 before the stream starts', async () => {
    const s = await setup([overloaded(), ok()]);
    server = s.server;
    const { value: stream } = await drive(s.clock, s.client.messages.create({ model: sonnet, max_tokens: 64, messages, stream: true }));
    expect(await readText(stream!)).toEqual({ text: DEFAULT_TEXT });
    expect(s.events.calls[0]).toMatchObject({ outcome: CallOutcome.SUCCESS, attempts: 2 });
  });

  it('surfaces a cut after content reached the caller as a typed error and counts the billed waste', async () => {
    const s = await setup([streamCut(2), ok()]);
    server = s.server;
    const { value: stream } = await drive(s.clock, s.client.messages.create({ model: sonnet, max_tokens: 64, messages, stream: true }));
    const { text, error } = await readText(stream!);
    expect(text).toBe('The storm ');
    expect(isStreamInterruptedError(error)).toBe(true);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    const input = (s.events.late[0]!.details as { inputTokens: number }).inputTokens;
    // message_start, content_block_start and two deltas (the SDK does not surface pings)
    expect(error).toMatchObject({ deliveredEvents: 4, billed: { inputTokens: input, outputTokens: 1 } });
    expect(server.requests).toHaveLength(1);
    expect(s.events.late).toEqual([expect.objectContaining({ attempt: 1, model: sonnet, details: expect.objectContaining({ billedWaste: { inputTokens: input, outputTokens: 1 } }) })]);
    expect((s.events.calls[0]!.call as { details: unknown }).details).toMatchObject({ wastedInputTokens: { billed: input }, wastedOutputTokens: { billed: 1 } });
  });

  it('surfaces an SSE error after content as a typed error', async () => {
    const s = await setup([streamError(3)]);
    server = s.server;
    const { value: stream } = await drive(s.clock, s.client.messages.create({ model: sonnet, max_tokens: 64, messages, stream: true }));
    const { error } = await readText(stream!);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as Error).cause).toMatchObject({ status: undefined, type: 'overloaded_error' });
  });

  it('retries broken SSE JSON that arrives before content', async () => {
    const s = await setup([streamGarbage(0), ok()]);
    server = s.server;
    const { value: stream } = await drive(s.clock, s.client.messages.create({ model: sonnet, max_tokens: 64, messages, stream: true }));
    expect(await readText(stream!)).toEqual({ text: DEFAULT_TEXT });
    expect(s.events.attempts[0]).toMatchObject({ classification: { errorType: ErrorType.API_ERROR } });
  });

  it('gives messages.stream() the same retries, with finalMessage()', async () => {
    const s = await setup([streamError(0), ok({ text: 'final answer' })]);
    server = s.server;
    const stream = s.client.messages.stream({ model: sonnet, max_tokens: 64, messages });
    const { value } = await drive(s.clock, stream.finalMessage());
    expect(value).toMatchObject({ model: sonnet, content: [{ type: 'text', text: 'final answer' }], stop_reason: 'end_turn' });
    expect(server.requests).toHaveLength(2);
  });

  it('records the useful cost when the stream completes', async () => {
    const s = await setup([ok({ outputTokens: 100 })]);
    server = s.server;
    const { value: stream } = await drive(s.clock, s.client.messages.create({ model: sonnet, max_tokens: 64, messages, stream: true }));
    await readText(stream!);
    const call = s.events.calls[0]!.call as { details: { costUsd: number } };
    const input = (s.events.attempts[0]!.details as { inputTokens: number }).inputTokens;
    expect(call.details.costUsd).toBeCloseTo((input * 3 + 100 * 15) / 1e6, 12);
  });

  it('retries an SSE error that comes before message_start, with nothing billed', async () => {
    const s = await setup([streamErrorAtStart(), ok()]);
    server = s.server;
    const { value: stream } = await drive(s.clock, s.client.messages.create({ model: sonnet, max_tokens: 64, messages, stream: true }));
    expect(await readText(stream!)).toEqual({ text: DEFAULT_TEXT });
    expect(s.events.attempts[0]).toMatchObject({ outcome: AttemptOutcome.RETRYABLE_ERROR, classification: { errorType: ErrorType.OVERLOADED, overload: true } });
    expect(s.events.attempts[0]!.details).not.toHaveProperty('billedWaste');
    const input = (s.events.attempts[1]!.details as { inputTokens: number }).inputTokens;
    expect((s.events.calls[0]!.call as { details: unknown }).details).toEqual({
      wastedInputTokens: { resent: input, billed: 0 },
      wastedOutputTokens: { billed: 0 },
      costUsd: (input * 3 + 6 * 15) / 1e6,
      wastedCostUsd: 0,
    });
  });

  it('retries a stream cut after message_start but before content, counting its billed tokens', async () => {
    const s = await setup([streamCut(0), ok()]);
    server = s.server;
    const { value: stream } = await drive(s.clock, s.client.messages.create({ model: sonnet, max_tokens: 64, messages, stream: true }));
    expect(await readText(stream!)).toEqual({ text: DEFAULT_TEXT });
    const input = (s.events.attempts[1]!.details as { inputTokens: number }).inputTokens;
    expect(s.events.attempts[0]).toMatchObject({
      outcome: AttemptOutcome.RETRYABLE_ERROR,
      classification: { errorType: ErrorType.CONNECTION, retryable: true },
      details: { stream: true, httpStatus: 200, requestId: 'req_fake_1', responseId: 'msg_fake_1', billedWaste: { inputTokens: input, outputTokens: 1 } },
    });
    expect(s.events.late).toEqual([]);
  });

  it('ends a stream call at once when the caller aborts during a backoff before content', async () => {
    const s = await setup([overloaded(30), ok()]);
    server = s.server;
    const controller = new AbortController();
    const call = s.client.messages.create({ model: sonnet, max_tokens: 64, messages, stream: true }, { signal: controller.signal }).catch((e: unknown) => e);
    while (s.events.backoffs.length === 0) await new Promise((r) => setTimeout(r, 2));
    const abortedAt = performance.now();
    controller.abort();
    const error = await call;
    expect(performance.now() - abortedAt).toBeLessThan(50);
    expect(isCallAbortedError(error)).toBe(true);
    expect(s.clock.now()).toBe(0);
    expect(s.clock.pendingTimers).toBe(0);
    expect(server.requests).toHaveLength(1);
  });

  it('ends the stream quietly, as the SDK does, when the caller aborts after content', async () => {
    const s = await setup([ok({ deltaDelayMs: 100 })]);
    server = s.server;
    const controller = new AbortController();
    const { value: stream } = await drive(s.clock, s.client.messages.create({ model: sonnet, max_tokens: 64, messages, stream: true }, { signal: controller.signal }));
    let text = '';
    for await (const event of stream!) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
        text += event.delta.text;
        controller.abort();
      }
    }
    expect(text).toBe('The ');
    expect(s.events.late).toEqual([]);
    expect(s.events.calls[0]).toMatchObject({ outcome: CallOutcome.SUCCESS, attempts: 1 });
  });

  it('stops the retries of messages.stream() when the MessageStream is aborted', async () => {
    const s = await setup([overloaded(30), ok()]);
    server = s.server;
    const stream = s.client.messages.stream({ model: sonnet, max_tokens: 64, messages });
    const final = stream.finalMessage().catch((e: unknown) => e);
    while (s.events.backoffs.length === 0) await new Promise((r) => setTimeout(r, 2));
    const aborted = new Promise((resolve) => stream.on('abort', resolve));
    stream.abort();
    const error = await final;
    expect(error).toBeInstanceOf(APIUserAbortError);
    expect(await aborted).toBe(error);
    expect(s.events.calls[0]).toMatchObject({ errorType: ErrorType.ABORTED, attempts: 1 });
    expect(s.clock.pendingTimers).toBe(0);
    expect(server.requests).toHaveLength(1);
  });

  it('rejects finalMessage() of messages.stream() with the typed error when content was already delivered', async () => {
    const s = await setup([streamCut(2), ok()]);
    server = s.server;
    const { error } = await drive(s.clock, s.client.messages.stream({ model: sonnet, max_tokens: 64, messages }).finalMessage());
    expect(isStreamInterruptedError(error)).toBe(true);
    expect(error).toBeInstanceOf(AnthropicError);
    expect(server.requests).toHaveLength(1);
  });

  it('gives withResponse() of a stream the response of the attempt that delivered it', async () => {
    const s = await setup([overloaded(), ok()]);
    server = s.server;
    const { value } = await drive(s.clock, s.client.messages.create({ model: sonnet, max_tokens: 64, messages, stream: true }).withResponse());
    expect(value!.request_id).toBe('req_fake_2');
    expect(value!.response.headers.get('content-type')).toBe('text/event-stream');
    expect(await readText(value!.data)).toEqual({ text: DEFAULT_TEXT });
  });

  it('aborts the HTTP stream when the caller stops reading', async () => {
    let deltaWaits = 0;
    const slow = await FakeAnthropic.start({ script: [ok({ deltaDelayMs: 30 })], sleep: (ms) => ((deltaWaits++, new Promise((r) => setTimeout(r, ms)))) });
    server = slow;
    const client = resilient(new Anthropic({ baseURL: slow.url, apiKey: 'k' }), { policyOptions: { breaker: false } });
    const events = record(client.policy);
    const stream = await client.messages.create({ model: sonnet, max_tokens: 64, messages, stream: true });
    for await (const event of stream) if (event.type === 'content_block_delta') break;
    expect(stream.controller.signal.aborted).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    // One wait before the first delta, one before the server saw the socket gone: not all six.
    expect(deltaWaits).toBeLessThanOrEqual(2);
    expect(events.late).toEqual([]);
  });

  it('refuses a second iteration, and tees like the SDK’s stream', async () => {
    const s = await setup([ok()]);
    server = s.server;
    const { value: stream } = await drive(s.clock, s.client.messages.create({ model: sonnet, max_tokens: 64, messages, stream: true }));
    const [left, right] = stream!.tee();
    const [a, b] = await Promise.all([readText(left), readText(right)]);
    expect(a).toEqual({ text: DEFAULT_TEXT });
    expect(b).toEqual({ text: DEFAULT_TEXT });
    const again = await readText(stream!);
    expect(again.error).toBeInstanceOf(AnthropicError);
    expect((again.error as Error).message).toBe('Cannot iterate over a consumed stream, use `.tee()` to split the stream.');
  });

  it('fails with the deadline, not a short stream, when the deadline passes before the first content', async () => {
    // Real time here: the deadline must fire while the SDK is reading the stream.
    const slow = await FakeAnthropic.start({ script: [ok({ deltaDelayMs: 2000 })] });
    server = slow;
    const client = resilient(new Anthropic({ baseURL: slow.url, apiKey: 'k' }), { policyOptions: { breaker: false } });
    const events = record(client.policy);
    const startedAt = performance.now();
    const error = await client.messages.create({ model: sonnet, max_tokens: 64, messages, stream: true }, { deadlineMs: 100 }).catch((e: unknown) => e);
    expect(isDeadlineExceededError(error)).toBe(true);
    expect(performance.now() - startedAt).toBeLessThan(1000);
    expect(events.attempts).toEqual([expect.objectContaining({ outcome: AttemptOutcome.ABORTED })]);
  });

  it('fails with CallAbortedError when the caller aborts before the first content', async () => {
    const slow = await FakeAnthropic.start({ script: [ok({ deltaDelayMs: 2000 })] });
    server = slow;
    const client = resilient(new Anthropic({ baseURL: slow.url, apiKey: 'k' }), { policyOptions: { breaker: false } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await client.messages.create({ model: sonnet, max_tokens: 64, messages, stream: true }, { signal: controller.signal }).catch((e: unknown) => e);
    expect(isCallAbortedError(error)).toBe(true);
  });
});
