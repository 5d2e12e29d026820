import { randomUUID } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import { VirtualClock } from '@stormwatch/core';
import { batchErrored, FakeAnthropicFetch } from '@stormwatch/fake-anthropic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The fleet's queue, from its sources (as the Redis package's tests run this package's conformance suite).
import { findRedisServer, startRedisServer, type RedisServer } from '../../redis/src/server/redisServer.js';
import { redisDeferrer } from '../../redis/src/index.js';
import { resumeBatches, submitBatches, type ClaimedTask } from '../src/index.js';
import { opus, task } from './support/queueFiles.js';
import { poll } from './support/virtualPoll.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);

describe.skipIf(process.env.STORMWATCH_E2E !== '1' && findRedisServer() === undefined)('batches on the Redis queue', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('resumes after a restart mid-poll: a new RedisDeferrer finds the batch in Redis and settles every task exactly once', async () => {
    const clock = new VirtualClock(T0);
    const prefix = `batch:${randomUUID()}:`;
    const first = redisDeferrer({ url: server.url, prefix, clock });
    const fake = new FakeAnthropicFetch({ batches: { now: () => clock.now(), processingMs: HOUR } });
    const client = new Anthropic({ baseURL: fake.url, fetch: fake.fetch, apiKey: 'sk-ant-test', maxRetries: 0 });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await first.defer(task({ callId: i, deferredAt: T0, deadlineAt: T0 + 48 * HOUR, payload: { model: opus, max_tokens: 8, messages: [{ role: 'user', content: `r${i}` }] } }))).id);
    fake.batches.script(ids[5]!, batchErrored('overloaded_error'));
    expect(await submitBatches(first, client)).toMatchObject({ submitted: 6, submittedBatches: ['msgbatch_fake_1'] });

    const stop = new AbortController();
    const handled: string[] = [];
    const onResult = (t: ClaimedTask) => void handled.push(t.id);
    const polling = resumeBatches(first, client, { signal: stop.signal, onResult });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await clock.runNext(); // one wait, then the process "dies"
    stop.abort();
    expect(await polling).toMatchObject({ inProgressBatches: ['msgbatch_fake_1'], done: 0 });
    await first.close();

    const second = redisDeferrer({ url: server.url, prefix, clock });
    try {
      expect(await second.counts()).toMatchObject({ running: 6 });
      const summary = await poll(clock, resumeBatches(second, client, { onResult }));
      expect(summary).toMatchObject({ endedBatches: ['msgbatch_fake_1'], done: 5, retried: 1, duplicates: 0 });
      expect(handled.sort()).toEqual(ids.slice(0, 5).sort());
      expect(await second.counts()).toEqual({ pending: 0, running: 0, done: 5, failed: 1, dead: 0 });
      expect(await second.get(ids[5]!)).toMatchObject({ state: 'failed', nextRunAt: clock.now() });
    } finally {
      await second.close();
    }
  });
});
