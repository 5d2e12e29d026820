import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BATCH_LIMITS,
  batchCanceled,
  batchErrored,
  batchExpired,
  batchMalformed,
  FakeAnthropic,
  FakeAnthropicFetch,
  startFakeAnthropic,
  type FakeAnthropicOptions,
} from '../src/index.js';

const params = { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user' as const, content: 'Summarise the storm' }] };
const requests = (...ids: string[]) => ids.map((custom_id) => ({ custom_id, params }));

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

describe.each(transports)('Message Batches through %s, with the real SDK', (_name, start) => {
  let server: FakeAnthropic | FakeAnthropicFetch;
  let now = Date.UTC(2026, 11, 6, 9, 0, 0);
  afterEach(async () => {
    if (server instanceof FakeAnthropic) await server.close();
  });
  const client = () =>
    new Anthropic({ baseURL: server.url, apiKey: 'test-key', maxRetries: 0, openTelemetry: false, ...(server instanceof FakeAnthropicFetch ? { fetch: server.fetch } : {}) });
  const results = async (id: string) => {
    const out = [];
    for await (const line of await client().messages.batches.results(id)) out.push(line);
    return out;
  };

  it('creates a batch in progress, and shows it ended with its results once the test ends it', async () => {
    now = Date.UTC(2026, 11, 6, 9, 0, 0);
    server = await start({ batches: { now: () => now } });
    const batch = await client().messages.batches.create({ requests: requests('task-1', 'task-2') });
    expect(batch).toEqual({
      id: 'msgbatch_fake_1',
      type: 'message_batch',
      processing_status: 'in_progress',
      request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      created_at: '2026-12-06T09:00:00.000Z',
      expires_at: '2026-12-07T09:00:00.000Z',
      ended_at: null,
      cancel_initiated_at: null,
      archived_at: null,
      results_url: null,
    });
    expect(await caught(client().messages.batches.results(batch.id))).toBeInstanceOf(Anthropic.AnthropicError);

    now += 60_000;
    server.batches.end(batch.id);
    const ended = await client().messages.batches.retrieve(batch.id);
    expect(ended).toMatchObject({
      processing_status: 'ended',
      ended_at: '2026-12-06T09:01:00.000Z',
      request_counts: { processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 },
      results_url: `${server.url}/v1/messages/batches/${batch.id}/results`,
    });
    const lines = await results(batch.id);
    // The API promises no order: the fake answers in reverse, so a client must match by custom_id.
    expect(lines.map((l) => l.custom_id)).toEqual(['task-2', 'task-1']);
    expect(lines[0]!.result).toEqual({
      type: 'succeeded',
      message: {
        id: 'msg_fake_msgbatch_fake_1_2',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-6',
        content: [{ type: 'text', text: 'The storm passed; the answer arrived.' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: expect.any(Number), output_tokens: 6, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    });
  });

  it('gives each request its scripted outcome: errored with a type, canceled, expired', async () => {
    server = await start({ batches: { now: () => now } });
    server.batches.script('a', batchErrored('overloaded_error')).script('b', batchErrored('invalid_request_error', 'max_tokens: too large')).script('c', batchExpired()).script('d', batchCanceled());
    const batch = await client().messages.batches.create({ requests: requests('a', 'b', 'c', 'd', 'e') });
    server.batches.end();
    expect((await client().messages.batches.retrieve(batch.id)).request_counts).toEqual({ processing: 0, succeeded: 1, errored: 2, canceled: 1, expired: 1 });
    const byId = Object.fromEntries((await results(batch.id)).map((l) => [l.custom_id, l.result]));
    expect(byId.a).toEqual({ type: 'errored', error: { type: 'error', error: { type: 'overloaded_error', message: 'overloaded_error' }, request_id: null } });
    expect(byId.b).toEqual({ type: 'errored', error: { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: too large' }, request_id: null } });
    expect(byId.c).toEqual({ type: 'expired' });
    expect(byId.d).toEqual({ type: 'canceled' });
    expect(byId.e).toMatchObject({ type: 'succeeded' });
  });

  it('ends a batch by itself after processingMs of its clock, and expires one after 24 hours', async () => {
    server = await start({ batches: { now: () => now, processingMs: 3_600_000 } });
    const first = await client().messages.batches.create({ requests: requests('x') });
    now += 3_599_999;
    expect((await client().messages.batches.retrieve(first.id)).processing_status).toBe('in_progress');
    now += 1;
    expect((await client().messages.batches.retrieve(first.id)).processing_status).toBe('ended');

    server.batches.expire(); // nothing in progress: ends nothing
    const second = await client().messages.batches.create({ requests: requests('y') });
    server.batches.expire(second.id);
    expect((await client().messages.batches.retrieve(second.id)).request_counts).toMatchObject({ expired: 1, processing: 0 });
  });

  it('expires a batch still in progress 24 hours after its creation', async () => {
    server = await start({ batches: { now: () => now } });
    const batch = await client().messages.batches.create({ requests: requests('late') });
    now += BATCH_LIMITS.windowMs;
    expect(await results(batch.id)).toEqual([{ custom_id: 'late', result: { type: 'expired' } }]);
  });

  it('cancels a batch: canceling, then ended with its requests canceled', async () => {
    server = await start({ batches: { now: () => now } });
    const batch = await client().messages.batches.create({ requests: requests('p', 'q') });
    expect(await client().messages.batches.cancel(batch.id)).toMatchObject({ processing_status: 'canceling', cancel_initiated_at: new Date(now).toISOString() });
    expect((await client().messages.batches.retrieve(batch.id)).request_counts).toMatchObject({ canceled: 2 });
  });

  it('lists batches, most recent first', async () => {
    server = await start({ batches: { now: () => now } });
    await client().messages.batches.create({ requests: requests('one') });
    await client().messages.batches.create({ requests: requests('two') });
    const ids = [];
    for await (const b of client().messages.batches.list()) ids.push(b.id);
    expect(ids).toEqual(['msgbatch_fake_2', 'msgbatch_fake_1']);
  });

  it('writes a malformed results line when scripted, and the others intact', async () => {
    server = await start({ batches: { now: () => now } });
    server.batches.script('bad', batchMalformed());
    const batch = await client().messages.batches.create({ requests: requests('good', 'bad') });
    server.batches.end();
    const response = await (server instanceof FakeAnthropicFetch ? server.fetch : fetch)(`${server.url}/v1/messages/batches/${batch.id}/results`);
    const lines = (await response.text()).trim().split('\n');
    expect(lines[0]).toBe('{"custom_id": "bad", "result": {"type": "succ');
    expect(JSON.parse(lines[1]!)).toMatchObject({ custom_id: 'good', result: { type: 'succeeded' } });
    // The SDK's own decoder gives up at the bad line.
    expect(await caught(results(batch.id))).toBeInstanceOf(SyntaxError);
  });

  it('refuses a malformed create with invalid_request_error, and an unknown batch with not_found_error', async () => {
    server = await start();
    const cases: unknown[] = [
      { requests: [] },
      { requests: [{ custom_id: 'has space', params }] },
      { requests: [{ custom_id: 'x'.repeat(65), params }] },
      { requests: requests('dup', 'dup') },
      { requests: [{ custom_id: 'ok' }] },
    ];
    for (const body of cases) {
      expect(await caught(client().messages.batches.create(body as Anthropic.Messages.BatchCreateParams))).toMatchObject({ status: 400, type: 'invalid_request_error' });
    }
    expect(await caught(client().messages.batches.retrieve('msgbatch_nope'))).toMatchObject({ status: 404, type: 'not_found_error' });
  });

  it('refuses more than 100 000 requests in one batch', async () => {
    server = await start();
    const many = Array.from({ length: BATCH_LIMITS.maxRequests + 1 }, (_, i) => ({ custom_id: `t${i}`, params: {} }));
    expect(await caught(client().messages.batches.create({ requests: many } as unknown as Anthropic.Messages.BatchCreateParams))).toMatchObject({ status: 400, type: 'invalid_request_error' });
  });
});

describe('FakeBatches options', () => {
  it('rejects a bad clock, outcome or processingMs with a message naming it', () => {
    expect(() => new FakeAnthropicFetch({ batches: { now: 5 as unknown as () => number } })).toThrow(/batches\.now must be a function/);
    expect(() => new FakeAnthropicFetch({ batches: { outcome: 'ok' as never } })).toThrow(/batches\.outcome must be a function/);
    expect(() => new FakeAnthropicFetch({ batches: { processingMs: -1 } })).toThrow(RangeError);
    expect(() => new FakeAnthropicFetch().batches.end('msgbatch_nope')).toThrow(/no batch "msgbatch_nope"/);
  });
});
