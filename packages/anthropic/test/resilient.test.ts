import Anthropic from '@anthropic-ai/sdk';
import { AttemptOutcome, CallOutcome, DelaySource, ErrorType } from '@stormwatch/conventions';
import { createPolicy, isCallAbortedError, isRetriesExhaustedError } from '@stormwatch/core';
import { apiError, FakeAnthropic, hang, htmlPage, ok, overloaded, rateLimited, reset, spendLimitReached } from '@stormwatch/fake-anthropic';
import { afterEach, describe, expect, it } from 'vitest';
import { createClassifier, resilient, retriesExhaustedInfo } from '../src/index.js';
import { drive, messages, opus, record, setup, sonnet } from './harness.js';

let server: FakeAnthropic | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('resilient() with the real SDK', () => {
  it('returns the SDK message and fills the attempt details from the response', async () => {
    const s = await setup([ok({ text: 'calm', headers: { 'anthropic-ratelimit-requests-remaining': '41' } })]);
    server = s.server;
    const { value } = await drive(s.clock, s.client.messages.create({ model: opus, max_tokens: 64, messages }));
    expect(value).toMatchObject({ type: 'message', model: opus, content: [{ type: 'text', text: 'calm' }] });
    const input = value!.usage.input_tokens;
    expect(s.events.attempts).toEqual([
      expect.objectContaining({
        attempt: 1,
        outcome: AttemptOutcome.SUCCESS,
        details: {
          stream: false,
          serverAddress: '127.0.0.1',
          serverPort: server.port,
          httpStatus: 200,
          requestId: 'req_fake_1',
          rateLimitRemaining: { requests: 41 },
          inputTokens: input,
          usage: { inputTokens: input, outputTokens: 1 },
          responseId: 'msg_fake_1',
          responseModel: opus,
          finishReasons: ['end_turn'],
        },
      }),
    ]);
    expect(s.events.calls[0]).toMatchObject({ outcome: CallOutcome.SUCCESS, attempts: 1 });
  });

  it('turns the SDK’s own retries off: one HTTP request per attempt', async () => {
    const s = await setup([overloaded(), overloaded(), overloaded()], { policyOptions: { maxAttempts: 3 } });
    server = s.server;
    const { error } = await drive(s.clock, s.client.messages.create({ model: opus, max_tokens: 64, messages }));
    // The caller gets the SDK's own last error, as without Stormwatch, with the reason attached.
    expect(isRetriesExhaustedError(error)).toBe(false);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(error).toMatchObject({ status: 529 });
    expect(retriesExhaustedInfo(error)).toEqual({ reason: 'max_attempts', attempts: 3 });
    // Not enumerable: a logger that serialises the error sees the SDK's fields only.
    expect(Object.keys(error as object)).not.toContain('stormwatch');
    expect(server.requests).toHaveLength(3);
    expect(s.client.sdk.maxRetries).toBe(0);
  });

  it.each([
    ['529', [overloaded(), ok()], ErrorType.OVERLOADED, 2],
    ['503', [apiError(503), ok()], ErrorType.API_ERROR, 2],
    ['a reset connection', [reset(), ok()], ErrorType.CONNECTION, 2],
    ['408', [apiError(408, 'timeout_error'), ok()], ErrorType.TIMEOUT, 2],
    ['an HTML 502 from a proxy', [htmlPage(502), ok()], ErrorType.API_ERROR, 2],
  ])('retries %s and succeeds', async (_name, script, errorType, requests) => {
    const s = await setup(script);
    server = s.server;
    const { value } = await drive(s.clock, s.client.messages.create({ model: opus, max_tokens: 64, messages }));
    expect(value?.type).toBe('message');
    expect(server.requests).toHaveLength(requests);
    expect(s.events.attempts[0]).toMatchObject({ outcome: AttemptOutcome.RETRYABLE_ERROR, classification: { errorType } });
  });

  it.each([
    ['400', apiError(400, 'invalid_request_error'), Anthropic.BadRequestError, ErrorType.INVALID_REQUEST],
    ['401', apiError(401, 'authentication_error'), Anthropic.AuthenticationError, ErrorType.AUTHENTICATION],
    ['403', apiError(403, 'permission_error'), Anthropic.PermissionDeniedError, ErrorType.PERMISSION],
    ['404', apiError(404, 'not_found_error'), Anthropic.NotFoundError, ErrorType.NOT_FOUND],
    ['413', apiError(413, 'request_too_large'), Anthropic.ContentTooLargeError, ErrorType.REQUEST_TOO_LARGE],
    ['the spend-limit 429', spendLimitReached(), Anthropic.RateLimitError, ErrorType.RATE_LIMIT],
    ['a 529 the server says not to retry', apiError(529, 'overloaded_error', { 'x-should-retry': 'false' }), Anthropic.APIError, ErrorType.OVERLOADED],
  ])('does not retry %s and rethrows the SDK error', async (_name, behaviour, type, errorType) => {
    const s = await setup([behaviour, ok()]);
    server = s.server;
    const { error } = await drive(s.clock, s.client.messages.create({ model: opus, max_tokens: 64, messages }));
    expect(error).toBeInstanceOf(type);
    expect(server.requests).toHaveLength(1);
    expect(s.events.attempts[0]).toMatchObject({ outcome: AttemptOutcome.FATAL_ERROR, classification: { errorType, retryable: false } });
  });

  it('waits for the 429’s retry-after', async () => {
    const s = await setup([rateLimited(4), ok()]);
    server = s.server;
    await drive(s.clock, s.client.messages.create({ model: opus, max_tokens: 64, messages }));
    expect(s.events.attempts[0]!.delay).toEqual({ ms: 4000, source: DelaySource.RETRY_AFTER });
    expect(s.clock.now()).toBe(4000);
  });

  it('waits a fixed 5 s before the one retry of a 500', async () => {
    const s = await setup([apiError(500), apiError(500), ok()]);
    server = s.server;
    const { error } = await drive(s.clock, s.client.messages.create({ model: opus, max_tokens: 64, messages }));
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(retriesExhaustedInfo(error)).toEqual({ reason: 'class_limit', attempts: 2 });
    expect(s.events.backoffs).toEqual([5000]);
  });

  it('retries a client timeout', async () => {
    const s = await setup([hang(), ok()]);
    server = s.server;
    const { value } = await drive(s.clock, s.client.messages.create({ model: opus, max_tokens: 64, messages }, { timeout: 100 }));
    expect(value?.type).toBe('message');
    expect(s.events.attempts[0]).toMatchObject({ classification: { errorType: ErrorType.TIMEOUT } });
  });

  it('keeps the SDK from retrying even when a request asks it to', async () => {
    const s = await setup([overloaded(), overloaded(), overloaded(), ok()]);
    server = s.server;
    const { error } = await drive(s.clock, s.client.messages.create({ model: opus, max_tokens: 64, messages }, { maxRetries: 5 }));
    expect(retriesExhaustedInfo(error)).toEqual({ reason: 'max_attempts', attempts: 3 });
    expect(server.requests).toHaveLength(3);
    expect(s.events.attempts).toHaveLength(3);
  });

  it('keeps the client’s own middleware', async () => {
    server = await FakeAnthropic.start();
    const seen: string[] = [];
    const original = new Anthropic({
      baseURL: server.url,
      apiKey: 'k',
      middleware: [
        async (request, next) => {
          seen.push(new URL(request.url).pathname);
          request.headers.set('x-from-middleware', 'yes');
          return next(request);
        },
      ],
    });
    const client = resilient(original, { policyOptions: { breaker: false } });
    await client.messages.create({ model: opus, max_tokens: 64, messages });
    expect(seen).toEqual(['/v1/messages']);
    expect(server.requests[0]!.headers['x-from-middleware']).toBe('yes');
    expect(client.sdk.middleware).toHaveLength(2);
  });

  it('passes the SDK request options through', async () => {
    const s = await setup([ok()]);
    server = s.server;
    await drive(s.clock, s.client.messages.create({ model: opus, max_tokens: 64, messages }, { headers: { 'x-tenant': 'blue' } }));
    expect(server.requests[0]!.headers['x-tenant']).toBe('blue');
  });

  it('stops at once when the caller aborts', async () => {
    const s = await setup([overloaded(30), ok()]);
    server = s.server;
    const controller = new AbortController();
    const call = s.client.messages.create({ model: opus, max_tokens: 64, messages }, { signal: controller.signal }).catch((e: unknown) => e);
    while (s.events.backoffs.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(s.events.backoffs).toEqual([30_000]);
    const abortedAt = performance.now();
    controller.abort();
    const error = await call;
    expect(performance.now() - abortedAt).toBeLessThan(50);
    expect(isCallAbortedError(error)).toBe(true);
    expect(s.clock.pendingTimers).toBe(0);
    expect(s.clock.now()).toBe(0);
    expect(server.requests).toHaveLength(1);
  });

  it('falls back to the next model after two overloads, unless the call site forbids it', async () => {
    const s = await setup([overloaded(), overloaded(), ok()], { fallback: [sonnet] });
    server = s.server;
    const { value } = await drive(s.clock, s.client.messages.create({ model: opus, max_tokens: 64, messages }));
    expect(value?.model).toBe(sonnet);
    expect(server.requests.map((r) => r.body?.model)).toEqual([opus, opus, sonnet]);
    expect(s.events.calls[0]).toMatchObject({ outcome: CallOutcome.FALLBACK_SUCCESS, finalModel: sonnet });

    server.enqueue(overloaded(), overloaded(), overloaded());
    await drive(s.clock, s.client.messages.create({ model: opus, max_tokens: 64, messages }, { allowFallback: false }));
    expect(server.requests.slice(3).map((r) => r.body?.model)).toEqual([opus, opus, opus]);
  });

  it('counts the input tokens resent by failed attempts, and the useful cost', async () => {
    const s = await setup([overloaded(), reset(), ok({ outputTokens: 1000 })], { policyOptions: { maxAttempts: 3 } });
    server = s.server;
    const { value } = await drive(s.clock, s.client.messages.create({ model: sonnet, max_tokens: 64, messages }));
    const input = value!.usage.input_tokens;
    const call = s.events.calls[0]!.call as { details: unknown };
    expect(call.details).toEqual({
      wastedInputTokens: { resent: 2 * input, billed: 0 },
      wastedOutputTokens: { billed: 0 },
      costUsd: (input * 3 + 1000 * 15) / 1e6,
      wastedCostUsd: 0,
    });
  });

  it('says the cost is unknown for a model without a price, and accepts overrides', async () => {
    const s = await setup([ok(), ok()], { prices: { 'claude-internal-1': { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 } } });
    server = s.server;
    await drive(s.clock, s.client.messages.create({ model: 'claude-mystery-1', max_tokens: 64, messages }));
    await drive(s.clock, s.client.messages.create({ model: 'claude-internal-1', max_tokens: 64, messages }));
    const [mystery, priced] = s.events.calls.map((c) => (c.call as { details: { costUsd?: number } }).details.costUsd);
    expect(mystery).toBeUndefined();
    const input = (s.events.attempts[1]!.details as { inputTokens: number }).inputTokens;
    expect(priced).toBeCloseTo((input * 5 + 6 * 25) / 1e6, 12);
  });

  it('drives a policy it is given', async () => {
    server = await FakeAnthropic.start({ script: [overloaded(), ok()] });
    const policy = createPolicy({ name: 'given', classify: createClassifier(), random: () => 0, breaker: false });
    const events = record(policy);
    const client = resilient(new Anthropic({ baseURL: server.url, apiKey: 'k' }), { policy });
    await client.messages.create({ model: opus, max_tokens: 64, messages });
    expect(events.calls[0]).toMatchObject({ attempts: 2, call: expect.objectContaining({ policy: 'given' }) });
    expect(() => resilient(new Anthropic({ apiKey: 'k' }), { policy, fallback: [sonnet] })).toThrow(TypeError);
  });

  it('leaves the rest of the client as it was, with its own retries', async () => {
    server = await FakeAnthropic.start();
    const original = new Anthropic({ baseURL: server.url, apiKey: 'k', maxRetries: 1 });
    const client = resilient(original, { policyOptions: { breaker: false } });
    expect(client.baseURL).toBe(server.url);
    expect([client.maxRetries, client.sdk.maxRetries]).toEqual([1, 0]);
    expect(client.messages.batches).toBe(original.messages.batches);
    expect(client.withOptions({ maxRetries: 0 }).maxRetries).toBe(0);
    expect('policy' in client && 'countTokens' in client.messages).toBe(true);
    const error = await client.messages.countTokens({ model: opus, messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    // The fake server knows only POST /v1/messages: the call reached it, not the policy.
    expect(server.requests.map((r) => r.path)).toEqual(['/v1/messages/count_tokens']);
    expect(() => Object.assign(client, { apiKey: 'other' })).toThrow('resilient: the wrapped client is read-only (tried to set apiKey)');
  });

  it.each([
    [{ fallbacks: [sonnet] }, 'resilient: unknown option "fallbacks"; known: policy, fallback, store, policyOptions, classifier, prices, deadlineMs, recordContent'],
    [{ fallback: sonnet }, 'resilient: fallback must be an array of model ids, got "claude-sonnet-4-6"'],
    [{ fallback: [''] }, 'resilient: fallback must be an array of model ids, got [""]'],
    [null, 'resilient: options must be an object, got null'],
  ])('rejects the options %j', (options, message) => {
    expect(() => resilient(new Anthropic({ apiKey: 'k' }), options as never)).toThrow(new TypeError(message));
  });

  it('rejects what is not a client', () => {
    expect(() => resilient({} as Anthropic)).toThrow('resilient: expected an Anthropic client (new Anthropic())');
  });
});
