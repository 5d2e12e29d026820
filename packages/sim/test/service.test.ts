import Anthropic from '@anthropic-ai/sdk';
import { VirtualClock, seededRandom } from '@stormwatch/core';
import { describe, expect, it } from 'vitest';
import { createClassifier } from '@stormwatch/anthropic';
import type { Scenario } from '../src/scenarios/Scenario.js';
import { storm50 } from '../src/scenarios/storm50.js';
import { SIMULATED_BASE_URL, SimulatedService } from '../src/SimulatedService.js';
import { formatSimTag } from '../src/simTag.js';
import { VirtualRuntime } from '../src/VirtualRuntime.js';

const MODEL = storm50.fleet.model;
const classifyAnthropic = createClassifier();

function quiet(overrides: Partial<Scenario> = {}): Scenario {
  return { ...storm50, overloads: [], rateLimitWaves: [], resetWaves: [], ...overrides };
}

/** Runs `body` against a fresh service in virtual time through the real SDK; resolves with its result or error. */
async function withService<T>(scenario: Scenario, body: (client: Anthropic, service: SimulatedService, clock: VirtualClock) => Promise<T>) {
  const clock = new VirtualClock();
  const service = new SimulatedService(scenario, clock, seededRandom(1));
  const runtime = new VirtualRuntime(clock, seededRandom(2));
  const client = new Anthropic({ apiKey: 'sk-test', baseURL: SIMULATED_BASE_URL, fetch: service.fetch as typeof fetch, maxRetries: 0 });
  const uninstall = runtime.install();
  try {
    const outcome = body(client, service, clock).then(
      (value) => ({ value, error: undefined }),
      (error: unknown) => ({ value: undefined, error }),
    );
    await runtime.run();
    return { ...(await outcome), service };
  } finally {
    uninstall();
    service.dispose();
  }
}

const params = (callId: number, input = 1200, output = 200) => ({
  model: MODEL,
  max_tokens: output,
  messages: [{ role: 'user' as const, content: 'hi' }],
  metadata: { user_id: formatSimTag(callId, input, output) },
});

describe('simulated service on the wire (real SDK)', () => {
  it('answers a message with the usage of the call', async () => {
    const { value, service } = await withService(quiet(), (c) => c.messages.create(params(1)));
    expect(value).toMatchObject({ id: 'msg_sim_0', model: MODEL, type: 'message', usage: { input_tokens: 1200, output_tokens: 200 } });
    expect(service.attempts[0]).toMatchObject({ callId: 1, result: 'ok', billedInputTokens: 1200, billedOutputTokens: 200 });
    // TTFT 600 ms + 200 tokens at 80/s + one RTT.
    expect(service.attempts[0]!.endedAtMs! - service.attempts[0]!.sentAtMs).toBeCloseTo(600 + 2500 + 30, 6);
  });

  it('streams text deltas as the tokens are generated', async () => {
    const { value } = await withService(quiet(), async (c, _s, clock) => {
      const stream = await c.messages.create({ ...params(2, 1000, 400), stream: true });
      const seen: { type: string; at: number }[] = [];
      for await (const event of stream) seen.push({ type: event.type, at: clock.now() });
      return seen;
    });
    const types = value!.map((e) => e.type);
    expect(types[0]).toBe('message_start');
    expect(types[1]).toBe('content_block_start');
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    const deltas = value!.filter((e) => e.type === 'content_block_delta');
    // 400 tokens at 80/s: 5 s of generation, a delta per second.
    expect(deltas.length).toBe(5);
    expect(new Set(deltas.map((d) => d.at)).size).toBe(5);
  });

  it('errors the body the client is reading when the request is aborted mid-stream, as fetch does', async () => {
    const { value, error, service } = await withService(quiet(), async (c, _s, clock) => {
      const abort = new AbortController();
      const stream = await c.messages.create({ ...params(3, 1000, 400), stream: true }, { signal: abort.signal });
      const seen: string[] = [];
      for await (const event of stream) {
        seen.push(event.type);
        // Abort two seconds into the generation, between two deltas.
        if (event.type === 'content_block_delta' && seen.filter((t) => t === 'content_block_delta').length === 2) {
          void clock.sleep(500).then(() => abort.abort());
        }
      }
      return seen;
    });
    // The SDK ends the iteration quietly on its caller's abort; before the fix the read hung for ever.
    expect(error).toBeUndefined();
    expect(value).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta']);
    expect(service.attempts[0]).toMatchObject({ callId: 3, result: 'aborted', billedInputTokens: 1000 });
  });

  it('refuses with a 529 overloaded_error beyond capacity', async () => {
    const scenario = quiet({ overloads: [{ startS: 0, endS: 100, factor: 0.0001 }] });
    const { error } = await withService(scenario, (c) => Promise.all([c.messages.create(params(1)), c.messages.create(params(2))]));
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error).toMatchObject({ status: 529, type: 'overloaded_error', requestID: 'req_sim_1' });
    expect(classifyAnthropic(error)).toEqual({ errorType: 'overloaded_error', retryable: true, overload: true, slowDown: true, status: 529 });
  });

  it('answers a rate-limit wave with 429 and retry-after', async () => {
    const scenario = quiet({ rateLimitWaves: [{ startS: 0, endS: 100, requestsPerSecond: 1 }] });
    const { error, service } = await withService(scenario, (c) => Promise.all([c.messages.create(params(1)), c.messages.create(params(2))]));
    expect(error).toMatchObject({ status: 429, type: 'rate_limit_error' });
    expect(service.attempts[1]).toMatchObject({ result: 'rate_limited', retryAfterS: 1 });
    expect(classifyAnthropic(error)).toEqual({
      errorType: 'rate_limit_error',
      retryable: true,
      overload: false,
      slowDown: true,
      status: 429,
      retryAfterMs: 1000,
    });
  });

  it('resets connections in a reset wave (the SDK reports a connection error)', async () => {
    const scenario = quiet({ resetWaves: [{ startS: 0, endS: 100, probability: 1 }] });
    const { error, service } = await withService(scenario, (c) => c.messages.create(params(1)));
    expect(error).toBeInstanceOf(Anthropic.APIConnectionError);
    expect((error as Error).cause).toMatchObject({ message: 'fetch failed', cause: { code: 'ECONNRESET' } });
    expect(service.attempts[0]).toMatchObject({ result: 'reset', billedInputTokens: 0 });
    expect(classifyAnthropic(error)).toEqual({ errorType: 'connection_error', retryable: true, overload: false, slowDown: false });
  });

  it('breaks a stream with an overloaded_error event after message_start and bills what was generated', async () => {
    const scenario = quiet({ overloads: [{ startS: 0, endS: 100, factor: 1, streamBreakProbability: 1 }] });
    const { error, value, service } = await withService(scenario, async (c) => {
      const stream = await c.messages.create({ ...params(3, 2000, 400), stream: true });
      const types: string[] = [];
      try {
        for await (const event of stream) types.push(event.type);
      } catch (e) {
        return { types, e };
      }
      return { types, e: undefined };
    });
    expect(error).toBeUndefined();
    expect(value!.types.slice(0, 2)).toEqual(['message_start', 'content_block_start']);
    expect(value!.e).toMatchObject({ status: undefined, type: 'overloaded_error' });
    expect(classifyAnthropic(value!.e)).toEqual({ errorType: 'overloaded_error', retryable: true, overload: true, slowDown: true });
    expect(service.attempts[0]).toMatchObject({ result: 'stream_overloaded', billedInputTokens: 2000 });
    expect(service.attempts[0]!.billedOutputTokens).toBeLessThan(400);
  });

  it('sheds work in flight when capacity drops (529 before the first byte)', async () => {
    const scenario = quiet({ overloads: [{ startS: 1, endS: 100, factor: 0.0001 }] });
    const { error, service } = await withService(scenario, (c) => Promise.all([c.messages.create(params(1)), c.messages.create(params(2))]));
    expect(error).toMatchObject({ status: 529 });
    expect(service.attempts.map((a) => a.result).sort()).toEqual(['ok', 'shed']);
    expect(service.sheds).toEqual([{ atMs: 1000, model: MODEL, inFlightAfter: 1, limit: 1 }]);
  });

  it('answers a request without a simulation tag with 400 invalid_request_error', async () => {
    const { error, service } = await withService(quiet(), (c) =>
      c.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error' });
    expect(classifyAnthropic(error)).toMatchObject({ errorType: 'invalid_request_error', retryable: false });
    expect(service.attempts[0]!.result).toBe('invalid');
  });

  it('answers an unknown model with 404 not_found_error', async () => {
    const { error } = await withService(quiet(), (c) => c.messages.create({ ...params(1), model: 'claude-nope-1' }));
    expect(error).toMatchObject({ status: 404, type: 'not_found_error' });
    expect(classifyAnthropic(error)).toMatchObject({ errorType: 'not_found_error', retryable: false });
  });

  it('answers a body that is not JSON with 400', async () => {
    const { value } = await withService(quiet(), async (_c, service) => {
      const res = await service.fetch(`${SIMULATED_BASE_URL}/v1/messages`, { method: 'POST', body: '<html>oops' });
      return { status: res.status, body: await res.json() };
    });
    expect(value).toMatchObject({ status: 400, body: { type: 'error', error: { type: 'invalid_request_error' }, request_id: 'req_sim_0' } });
  });

  it('classifies x-should-retry: false as final and non-Anthropic errors as _OTHER', () => {
    const headers = new Headers({ 'x-should-retry': 'false' });
    const e = Anthropic.APIError.generate(529, { type: 'error', error: { type: 'overloaded_error' } }, 'Overloaded', headers);
    expect(classifyAnthropic(e)).toEqual({ errorType: 'overloaded_error', retryable: false, serverOverride: false, overload: true, slowDown: true, status: 529 });
    expect(classifyAnthropic(new RangeError('x'))).toEqual({ errorType: '_OTHER', retryable: false, overload: false, slowDown: false });
  });
});
