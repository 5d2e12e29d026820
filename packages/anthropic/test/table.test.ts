import { createServer } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { AttemptOutcome, DelaySource, ErrorType } from '@stormwatch/conventions';
import { isDeadlineExceededError } from '@stormwatch/core';
import { apiError, type FakeAnthropic, htmlPage, ok, overloaded, rateLimited, spendLimitReached, withHeaders } from '@stormwatch/fake-anthropic';
import { afterEach, describe, expect, it } from 'vitest';
import { resilient, retriesExhaustedInfo } from '../src/index.js';
import { drive, messages, opus, record, setup } from './harness.js';

let server: FakeAnthropic | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const body = { model: opus, max_tokens: 64, messages };
/** The wall clock the classifier reads HTTP-dates against. */
const wallNow = Date.parse('2026-11-22T12:00:00Z');
/** Full jitter's first retry at random() = 0.5: half of the 1 s base. */
const JITTER_MS = 500;

describe('retry-after through the real SDK', () => {
  it.each([
    ['seconds', rateLimited(4), { ms: 4000, source: DelaySource.RETRY_AFTER }],
    ['an hour, clamped to maxRetryAfterMs', overloaded(3600), { ms: 60_000, source: DelaySource.RETRY_AFTER }],
    ['retry-after-ms, read before retry-after', withHeaders(overloaded(9), { 'retry-after-ms': '1500' }), { ms: 1500, source: DelaySource.RETRY_AFTER }],
    ['an HTTP-date ten seconds ahead', rateLimited('Sun, 22 Nov 2026 12:00:10 GMT'), { ms: 10_000, source: DelaySource.RETRY_AFTER }],
    ['an HTTP-date in the past (0, so jitter wins)', rateLimited('Sun, 22 Nov 2026 11:00:00 GMT'), { ms: JITTER_MS, source: DelaySource.BACKOFF }],
    ['a hint shorter than the jitter', withHeaders(overloaded(), { 'retry-after-ms': '100' }), { ms: JITTER_MS, source: DelaySource.BACKOFF }],
  ])('waits max(retry-after, jitter) for %s', async (_name, behaviour, delay) => {
    const s = await setup([behaviour, ok()], { classifier: { now: () => wallNow } });
    server = s.server;
    const { value } = await drive(s.clock, s.client.messages.create(body));
    expect(value?.type).toBe('message');
    expect(s.events.attempts[0]!.delay).toEqual(delay);
    expect(s.clock.now()).toBe(delay.ms);
    expect(server.requests).toHaveLength(2);
  });

  it.each([
    ['malformed', 'in a while'],
    ['negative', '-5'],
    ['a year', String(365 * 86_400)],
    ['empty', ' '],
  ])('ignores a %s retry-after and backs off with jitter', async (_name, value) => {
    const s = await setup([overloaded(value), ok()], { classifier: { now: () => wallNow } });
    server = s.server;
    await drive(s.clock, s.client.messages.create(body));
    expect(s.events.attempts[0]!.classification).toEqual({ errorType: ErrorType.OVERLOADED, retryable: true, overload: true, slowDown: true, status: 529 });
    expect(s.events.attempts[0]!.delay).toEqual({ ms: JITTER_MS, source: DelaySource.BACKOFF });
  });
});

describe('classification rows through the real SDK', () => {
  it('records the 429’s status, request id and rate-limit headers on the attempt', async () => {
    const s = await setup([rateLimited(1, { requests: 0, inputTokens: 1200, outputTokens: 300 }), ok()]);
    server = s.server;
    await drive(s.clock, s.client.messages.create(body));
    expect(s.events.attempts[0]).toMatchObject({
      outcome: AttemptOutcome.RETRYABLE_ERROR,
      classification: { errorType: ErrorType.RATE_LIMIT, retryable: true, overload: false, slowDown: true, status: 429, retryAfterMs: 1000 },
      details: { stream: false, serverAddress: '127.0.0.1', serverPort: server.port, httpStatus: 429, requestId: 'req_fake_1', rateLimitRemaining: { requests: 0, inputTokens: 1200, outputTokens: 300 } },
    });
  });

  it('does not retry a spend-limit 429 even without x-should-retry', async () => {
    const s = await setup([spendLimitReached('contract_spend_limit_reached', {}), ok()]);
    server = s.server;
    const { error } = await drive(s.clock, s.client.messages.create(body));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error).toMatchObject({ errorCode: 'contract_spend_limit_reached' });
    expect(server.requests).toHaveLength(1);
    expect(s.events.attempts[0]!.classification).toEqual({ errorType: ErrorType.RATE_LIMIT, retryable: false, overload: false, slowDown: true, status: 429 });
  });

  it('retries a ramp-limit 429 after its retry-after', async () => {
    const s = await setup([apiError(429, 'rate_limit_error', { 'retry-after': '20' }, 'ramp_limit_exceeded'), ok()]);
    server = s.server;
    const { value } = await drive(s.clock, s.client.messages.create(body));
    expect(value?.type).toBe('message');
    expect(s.events.attempts[0]!.delay).toEqual({ ms: 20_000, source: DelaySource.RETRY_AFTER });
  });

  it('retries a 400 that the server marks x-should-retry: true', async () => {
    const s = await setup([apiError(400, 'invalid_request_error', { 'x-should-retry': 'true' }), ok()]);
    server = s.server;
    const { value } = await drive(s.clock, s.client.messages.create(body));
    expect(value?.type).toBe('message');
    expect(s.events.attempts[0]!.classification).toEqual({ errorType: ErrorType.INVALID_REQUEST, retryable: true, serverOverride: true, overload: false, slowDown: false, status: 400 });
  });

  it('does not retry a 503 that the server marks x-should-retry: false', async () => {
    const s = await setup([apiError(503, 'api_error', { 'x-should-retry': 'false' }), ok()]);
    server = s.server;
    const { error } = await drive(s.clock, s.client.messages.create(body));
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(server.requests).toHaveLength(1);
    expect(s.events.attempts[0]).toMatchObject({ outcome: AttemptOutcome.FATAL_ERROR, classification: { errorType: ErrorType.API_ERROR, retryable: false, serverOverride: false } });
  });

  it.each([
    ['502 (JSON)', 502],
    ['504', 504],
  ])('retries a %s once after a fixed 5 s', async (_name, status) => {
    const s = await setup([apiError(status), ok()]);
    server = s.server;
    const { value } = await drive(s.clock, s.client.messages.create(body));
    expect(value?.type).toBe('message');
    expect(s.events.attempts[0]!.delay).toEqual({ ms: 5000, source: DelaySource.BACKOFF });
    expect(s.events.attempts[0]!.classification).toMatchObject({ errorType: ErrorType.API_ERROR, fixedDelayMs: 5000, maxRetries: 1, status });
  });

  it('does not retry a 422', async () => {
    const s = await setup([apiError(422, 'invalid_request_error'), ok()]);
    server = s.server;
    const { error } = await drive(s.clock, s.client.messages.create(body));
    expect(error).toBeInstanceOf(Anthropic.UnprocessableEntityError);
    expect(s.events.attempts[0]).toMatchObject({ outcome: AttemptOutcome.FATAL_ERROR, classification: { errorType: ErrorType.INVALID_REQUEST, retryable: false, status: 422 } });
  });

  it('retries a refused connection as connection_error until attempts run out', async () => {
    const port = await closedPort();
    const clockSetup = await setup([]);
    server = clockSetup.server;
    const client = resilient(new Anthropic({ baseURL: `http://127.0.0.1:${port}`, apiKey: 'k' }), { policyOptions: { clock: clockSetup.clock, random: () => 0.5, breaker: false } });
    const events = record(client.policy);
    const { error } = await drive(clockSetup.clock, client.messages.create(body));
    expect(error).toBeInstanceOf(Anthropic.APIConnectionError);
    expect(retriesExhaustedInfo(error)).toEqual({ reason: 'max_attempts', attempts: 3 });
    expect(events.attempts.map((a) => [a.outcome, (a.classification as { errorType: string }).errorType])).toEqual([
      [AttemptOutcome.RETRYABLE_ERROR, ErrorType.CONNECTION],
      [AttemptOutcome.RETRYABLE_ERROR, ErrorType.CONNECTION],
      [AttemptOutcome.RETRYABLE_ERROR, ErrorType.CONNECTION],
    ]);
    expect(events.attempts[0]!.details).toEqual({ stream: false, serverAddress: '127.0.0.1', serverPort: port });
  });
});

describe('bad input from the server', () => {
  it('ignores rate-limit headers that are not whole numbers', async () => {
    const headers = { 'anthropic-ratelimit-requests-remaining': 'lots', 'anthropic-ratelimit-input-tokens-remaining': '-1', 'anthropic-ratelimit-output-tokens-remaining': '7' };
    const s = await setup([ok({ headers })]);
    server = s.server;
    await drive(s.clock, s.client.messages.create(body));
    expect(s.events.attempts[0]!.details).toMatchObject({ rateLimitRemaining: { outputTokens: 7 } });
    expect((s.events.attempts[0]!.details as { rateLimitRemaining: object }).rateLimitRemaining).toEqual({ outputTokens: 7 });
  });

  it('ignores an x-should-retry that is neither true nor false', async () => {
    const s = await setup([apiError(400, 'invalid_request_error', { 'x-should-retry': 'maybe' }), ok()]);
    server = s.server;
    const { error } = await drive(s.clock, s.client.messages.create(body));
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(s.events.attempts[0]!.classification).toEqual({ errorType: ErrorType.INVALID_REQUEST, retryable: false, overload: false, slowDown: false, status: 400 });
  });

  it('classifies an HTML 503 page by its status', async () => {
    const s = await setup([htmlPage(503), ok()]);
    server = s.server;
    const { value } = await drive(s.clock, s.client.messages.create(body));
    expect(value?.type).toBe('message');
    expect(s.events.attempts[0]).toMatchObject({ outcome: AttemptOutcome.RETRYABLE_ERROR, classification: { errorType: ErrorType.API_ERROR, status: 503 }, delay: { ms: JITTER_MS, source: DelaySource.BACKOFF } });
  });
});

describe('resilient() options', () => {
  it('applies a default deadline to every call, which a call may override', async () => {
    const s = await setup([overloaded(30), overloaded(30), ok()], { deadlineMs: 10_000 });
    server = s.server;
    const { error } = await drive(s.clock, s.client.messages.create(body));
    // A 30 s retry-after cannot fit in a 10 s deadline: the call ends now instead of sleeping.
    expect(isDeadlineExceededError(error)).toBe(true);
    expect(error).toMatchObject({ deadlineMs: 10_000, attempts: 1 });
    expect(s.clock.now()).toBe(0);

    const { value } = await drive(s.clock, s.client.messages.create(body, { deadlineMs: 120_000 }));
    expect(value?.type).toBe('message');
    expect(s.events.calls[1]!.call).toMatchObject({ deadlineMs: 120_000 });
  });

  it.each([0, -1, Number.NaN, '5000'])('rejects a deadlineMs of %s', (deadlineMs) => {
    expect(() => resilient(new Anthropic({ apiKey: 'k' }), { deadlineMs: deadlineMs as number })).toThrow(
      `resilient: deadlineMs must be a finite number of milliseconds >= 1, got ${String(deadlineMs)}`,
    );
  });

  it('gives withResponse() the response of the attempt that succeeded', async () => {
    const s = await setup([overloaded(), ok({ text: 'second' })]);
    server = s.server;
    const { value } = await drive(s.clock, s.client.messages.create(body).withResponse());
    expect(value!.data.content).toEqual([{ type: 'text', text: 'second' }]);
    expect(value!.request_id).toBe('req_fake_2');
    expect(value!.response.status).toBe(200);
  });
});

/** A port on 127.0.0.1 with nothing listening. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
