import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import {
  apiError,
  DEFAULT_TEXT,
  FakeAnthropic,
  FakeAnthropicFetch,
  hang,
  htmlPage,
  ok,
  overloaded,
  rateLimited,
  reset,
  spendLimitReached,
  startFakeAnthropic,
  type FakeAnthropicOptions,
  streamCut,
  streamError,
  streamErrorAtStart,
  streamGarbage,
  withHeaders,
} from '../src/index.js';

const request = { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user' as const, content: 'Hello' }] };

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

const transports = [
  ['a local server', (options?: FakeAnthropicOptions) => startFakeAnthropic(options)],
  ['an in-process fetch', async (options?: FakeAnthropicOptions) => new FakeAnthropicFetch(options)],
] as const;

describe.each(transports)('FakeAnthropic through %s, with the real SDK', (_name, start) => {
  let server: FakeAnthropic | FakeAnthropicFetch;
  afterEach(async () => {
    if (server instanceof FakeAnthropic) await server.close();
  });
  const client = () =>
    new Anthropic({ baseURL: server.url, apiKey: 'test-key', maxRetries: 0, openTelemetry: false, ...(server instanceof FakeAnthropicFetch ? { fetch: server.fetch } : {}) });
  const rawFetch = (url: string, init: RequestInit) => (server instanceof FakeAnthropicFetch ? server.fetch(url, init) : fetch(url, init));

  it('answers a message with usage and a request id', async () => {
    server = await start({ script: [ok({ text: 'hi there', outputTokens: 2 })] });
    const { data, response } = await client().messages.create(request).withResponse();
    expect(data).toMatchObject({ type: 'message', model: 'claude-sonnet-4-6', content: [{ type: 'text', text: 'hi there' }], usage: { output_tokens: 2 } });
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    expect(response.headers.get('request-id')).toBe('req_fake_1');
    expect(server.requests).toEqual([expect.objectContaining({ seq: 1, method: 'POST', path: '/v1/messages', body: request })]);
  });

  it('streams a message as SSE', async () => {
    server = await start();
    const stream = await client().messages.create({ ...request, stream: true });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect(text).toBe('The storm passed; the answer arrived.');
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
  });

  it('sends 529 overloaded_error with retry-after', async () => {
    server = await start({ script: [overloaded(3)] });
    const error = await caught(client().messages.create(request));
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error).toMatchObject({ status: 529, type: 'overloaded_error', requestID: 'req_fake_1' });
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_fake_1' });
    expect((error as InstanceType<typeof Anthropic.APIError>).headers?.get('retry-after')).toBe('3');
  });

  it('sends 429 with the rate-limit headers, and the spend-limit 429', async () => {
    server = await start({ script: [rateLimited(2, { requests: 0, inputTokens: 10 }), spendLimitReached()] });
    const limited = (await caught(client().messages.create(request))) as InstanceType<typeof Anthropic.RateLimitError>;
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect(limited.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(limited.headers.get('anthropic-ratelimit-input-tokens-remaining')).toBe('10');
    const spent = (await caught(client().messages.create(request))) as InstanceType<typeof Anthropic.RateLimitError>;
    expect(spent.headers.get('x-should-retry')).toBe('false');
    expect(spent.errorCode).toBe('enforced_spend_limit_reached');
  });

  it('sends an HTML page from a proxy', async () => {
    server = await start({ script: [htmlPage(502)] });
    const error = await caught(client().messages.create(request));
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(error).toMatchObject({ status: 502 });
    expect(String((error as Error).message)).toContain('502 Bad Gateway');
  });

  it('resets the connection', async () => {
    server = await start({ script: [reset()] });
    expect(await caught(client().messages.create(request))).toBeInstanceOf(Anthropic.APIConnectionError);
    expect(server.counts()).toEqual({ reset: 1 });
  });

  it('sends an SSE error event after HTTP 200', async () => {
    server = await start({ script: [streamError(2)] });
    const stream = await client().messages.create({ ...request, stream: true });
    const deltas: string[] = [];
    const error = await caught(
      (async () => {
        for await (const event of stream) if (event.type === 'content_block_delta') deltas.push(event.type);
      })(),
    );
    expect(deltas).toHaveLength(2);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error).toMatchObject({ status: undefined, type: 'overloaded_error' });
  });

  it('cuts a stream mid-way', async () => {
    server = await start({ script: [streamCut(1)] });
    const stream = await client().messages.create({ ...request, stream: true });
    const error = await caught(
      (async () => {
        for await (const _event of stream) void _event;
      })(),
    );
    expect(error).toBeInstanceOf(Error);
    // The SDK before 1.17 rethrows the socket's error; from 1.17 it wraps it in an APIConnectionError whose cause it is.
    const socketError = (error as Error).name === 'APIConnectionError' ? (error as Error).cause : error;
    expect(String(socketError)).toMatch(/terminated|aborted|socket|other side closed/i);
  });

  it('sends broken SSE JSON', async () => {
    server = await start({ script: [streamGarbage(1)] });
    const stream = await client().messages.create({ ...request, stream: true });
    const error = await caught(
      (async () => {
        for await (const _event of stream) void _event;
      })(),
    );
    expect(error).toBeInstanceOf(Error);
  });

  it('answers unknown routes with not_found_error and counts by status', async () => {
    server = await start({ script: [apiError(503, 'api_error'), ok()] });
    await caught(client().messages.create(request));
    await client().messages.create(request);
    const res = await rawFetch(`${server.url}/v1/nothing`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'not_found_error', message: 'no route POST /v1/nothing' }, request_id: 'req_fake_3' });
    expect(server.counts()).toEqual({ '503': 1, '200': 1, '404': 1 });
  });

  it('chooses behaviours with a function once the script is used up', async () => {
    server = await start({ otherwise: (r) => (r.seq % 2 === 1 ? overloaded() : ok()) });
    await caught(client().messages.create(request));
    await client().messages.create(request);
    expect(server.counts()).toEqual({ '529': 1, '200': 1 });
  });

  it('is scripted after start, and sends any retry header', async () => {
    server = (await start()).script(
      rateLimited('Sun, 22 Nov 2026 12:00:10 GMT'),
      withHeaders(overloaded(), { 'retry-after-ms': '250', 'x-should-retry': 'true' }),
      rateLimited('soon-ish'),
    );
    expect(server.pending).toBe(3);
    const date = (await caught(client().messages.create(request))) as InstanceType<typeof Anthropic.APIError>;
    expect(date.headers?.get('retry-after')).toBe('Sun, 22 Nov 2026 12:00:10 GMT');
    const ms = (await caught(client().messages.create(request))) as InstanceType<typeof Anthropic.APIError>;
    expect([ms.status, ms.headers?.get('retry-after-ms'), ms.headers?.get('x-should-retry')]).toEqual([529, '250', 'true']);
    const malformed = (await caught(client().messages.create(request))) as InstanceType<typeof Anthropic.APIError>;
    expect(malformed.headers?.get('retry-after')).toBe('soon-ish');
    expect(server.pending).toBe(0);
    expect(server.counts()).toEqual({ '429': 2, '529': 1 });
  });

  it('sends an SSE error event before message_start', async () => {
    server = await start({ script: [streamErrorAtStart()] });
    const stream = await client().messages.create({ ...request, stream: true });
    const seen: string[] = [];
    const error = await caught(
      (async () => {
        for await (const event of stream) seen.push(event.type);
      })(),
    );
    expect(seen).toEqual([]);
    expect(error).toMatchObject({ status: undefined, type: 'overloaded_error' });
  });

  it('echoes the model or names another, with prompt-cache usage', async () => {
    server = await start({ script: [ok({ model: 'claude-haiku-4-5', inputTokens: 7, outputTokens: 3, cacheReadInputTokens: 100, cacheCreationInputTokens: 20 })] });
    const message = await client().messages.create(request);
    expect(message.model).toBe('claude-haiku-4-5');
    expect(message.usage).toMatchObject({ input_tokens: 7, output_tokens: 3, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 });
  });

  it('waits through the injected sleep before answering and between deltas', async () => {
    const waits: number[] = [];
    let release: () => void = () => undefined;
    const sleep = (ms: number) => {
      waits.push(ms);
      return ms === 5000 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
    };
    server = await start({ script: [ok({ delayMs: 5000 }), ok({ deltaDelayMs: 40 })], sleep });
    let answered = false;
    const slow = client().messages.create(request).then((m) => ((answered = true), m));
    while (waits.length === 0) await new Promise((r) => setTimeout(r, 2));
    await new Promise((r) => setTimeout(r, 20));
    expect(answered).toBe(false);
    release();
    expect((await slow).type).toBe('message');

    let text = '';
    for await (const event of await client().messages.create({ ...request, stream: true })) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect(text).toBe(DEFAULT_TEXT);
    expect(waits).toEqual([5000, ...DEFAULT_TEXT.split(' ').map(() => 40)]);
  });

  it('records the method, path, headers, body and arrival time of each request', async () => {
    server = await start();
    const before = performance.now();
    await client().messages.create(request, { headers: { 'x-tenant': 'blue' } });
    const [seen] = server.requests;
    expect(seen).toMatchObject({ seq: 1, method: 'POST', path: '/v1/messages', body: request, behaviour: ok() });
    expect(seen!.headers).toMatchObject({ authorization: 'Bearer test-key', 'x-tenant': 'blue', 'content-type': 'application/json' });
    expect(seen!.receivedAt).toBeGreaterThanOrEqual(before);
  });

  it('rejects a sleep that is not a function', async () => {
    await expect(start({ sleep: 5 as unknown as () => Promise<void> })).rejects.toThrow('FakeAnthropic: sleep must be a function (ms) => Promise<void>, got number');
  });

  it('hangs until the SDK’s timeout gives up', async () => {
    server = await start({ script: [hang()] });
    const error = await caught(client().messages.create(request, { timeout: 50 }));
    expect(error).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    expect(server.counts()).toEqual({ hang: 1 });
  });

  it('stops a slow stream when the client aborts', async () => {
    server = await start({ script: [ok({ deltaDelayMs: 50 })] });
    const controller = new AbortController();
    const stream = await client().messages.create({ ...request, stream: true }, { signal: controller.signal });
    let deltas = 0;
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && ++deltas === 2) controller.abort();
    }
    expect(deltas).toBe(2);
  });
});
