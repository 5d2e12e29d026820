import { randomUUID } from 'node:crypto';
import { VirtualClock } from '@stormwatch/core';
import { afterEach, describe, expect, it } from 'vitest';
import { isRedisQueueError, redisDeferrer, type RedisDeferrer, type RedisDeferrerOptions } from '../src/index.js';
import { isTaskNotFoundError } from '../../queue/src/index.js';
import { opus, task } from '../../queue/test/support/queueFiles.js';
import { redisTestsRun, startRedis } from './support/redisServer.js';
import { useSharedRedis } from './support/sharedRedis.js';

const DAY = 24 * 3_600_000;
const open: RedisDeferrer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((q) => q.close()));
});

const rejection = async (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe.skipIf(!redisTestsRun)('redisDeferrer on a real Redis', () => {
  const redis = useSharedRedis();

  function setup(options: Partial<RedisDeferrerOptions> = {}) {
    const clock = new VirtualClock(1_000);
    const prefix = `deferrer:${randomUUID()}:`;
    const make = () => {
      const queue = redisDeferrer({ url: redis.server.url, prefix, clock, ...options });
      open.push(queue);
      return queue;
    };
    return { clock, prefix, queue: make(), make };
  }

  it('keeps every key of a queue under its prefix and one hash tag', async () => {
    const { queue, prefix } = setup();
    const { id } = await queue.defer(task());
    await queue.claim(1, 1_000);
    await queue.complete(id);
    const keys = (await redis.admin.keys(`${prefix}*`)).sort();
    expect(keys).toEqual([`${prefix}{queue}:all`, `${prefix}{queue}:expire`, `${prefix}{queue}:seq`, `${prefix}{queue}:state:done`, `${prefix}{queue}:task:${id}`]);
  });

  it('stores the payload and nothing else of the call: no headers, no key', async () => {
    const { queue, prefix } = setup();
    const { id } = await queue.defer(task({ payload: { model: opus, max_tokens: 8, messages: [], metadata: undefined }, deadlineAt: 5_000 }));
    expect(await redis.admin.hGetAll(`${prefix}{queue}:task:${id}`)).toEqual({
      id,
      state: 'pending',
      seq: '1',
      callId: '1',
      policy: 'batch',
      model: opus,
      reason: 'overloaded_error',
      payload: `{"model":"${opus}","max_tokens":8,"messages":[]}`,
      deferredAt: '0',
      deadlineAt: '5000',
      attempts: '0',
      nextRunAt: '0',
      updatedAt: '1000',
    });
  });

  it('keeps a done task for doneRetentionMs, then the next write drops it; a dead task stays', async () => {
    const { clock, queue, prefix } = setup({ doneRetentionMs: DAY });
    const done = await queue.defer(task());
    const dead = await queue.defer(task());
    await queue.claim(2, 1_000);
    await queue.complete(done.id);
    await queue.fail(dead.id, 'BadRequestError: 400', { dead: 'non_retryable' });
    // The hash also expires by Redis' clock, a day after its retention: a queue nobody writes to still empties.
    const ttl = await redis.admin.pTTL(`${prefix}{queue}:task:${done.id}`);
    expect(ttl).toBeGreaterThan(2 * DAY - 60_000);
    expect(ttl).toBeLessThanOrEqual(2 * DAY);
    expect(await redis.admin.pTTL(`${prefix}{queue}:task:${dead.id}`)).toBe(-1);

    await clock.advance(DAY - 1);
    await queue.defer(task());
    expect(await queue.get(done.id)).toMatchObject({ state: 'done' });
    await clock.advance(1);
    await queue.defer(task());
    expect(await queue.get(done.id)).toBeUndefined();
    expect(await queue.counts()).toEqual({ pending: 2, running: 0, done: 0, failed: 0, dead: 1 });
    expect(isTaskNotFoundError(await rejection(queue.complete(done.id)))).toBe(true);
    expect(await queue.get(dead.id)).toMatchObject({ state: 'dead', deadReason: 'non_retryable' });
  });

  it('gives each due task to one claimer among many processes', async () => {
    const { queue, make } = setup();
    const n = 60;
    const ids = new Set<string>();
    for (let i = 0; i < n; i++) ids.add((await queue.defer(task({ callId: i }))).id);
    const fleet = Array.from({ length: 6 }, make);
    const claims = await Promise.all(fleet.flatMap((q) => [q.claim(7, 30_000), q.claim(7, 30_000)]));
    const claimed = claims.flat().map((t) => t.id);
    expect(claimed.length).toBe(n);
    expect(new Set(claimed)).toEqual(ids);
    expect(await queue.counts()).toMatchObject({ pending: 0, running: n });
  });

  it('takes a task back from a claimer whose lease expired, and ignores that claimer afterwards', async () => {
    const { clock, queue, make } = setup();
    const other = make();
    const { id } = await queue.defer(task());
    const [first] = await queue.claim(1, 1_000);
    await clock.advance(1_000);
    const [second] = await other.claim(1, 1_000);
    expect(second).toMatchObject({ id, attempts: 2 });
    expect(await queue.extend(id, first!, 1_000)).toBe(false);
    expect(await queue.release(id, first!)).toBe(false);
    expect(await other.complete(id)).toBe(true);
    expect(await queue.complete(id)).toBe(false); // the late first claimer: a duplicate run
  });

  it('runs its scripts again after Redis forgot them (SCRIPT FLUSH)', async () => {
    const { queue } = setup();
    await queue.defer(task());
    await redis.admin.scriptFlush();
    expect(await queue.claim(1, 1_000)).toHaveLength(1);
  });

  it('answers a key it did not write with a typed malformed_reply', async () => {
    const { queue, prefix } = setup();
    await redis.admin.hSet(`${prefix}{queue}:task:planted`, { id: 'planted', state: 'lost' });
    const error = await rejection(queue.get('planted'));
    expect(isRedisQueueError(error)).toBe(true);
    expect(error).toMatchObject({ problem: 'malformed_reply', operation: 'get' });
  });

  it('refuses bad options with errors that name them, the password never printed', () => {
    const url = redis.server.url;
    expect(() => redisDeferrer({ url: '' })).toThrow('redisDeferrer: url must be a redis:// or rediss:// URL string, got ""');
    expect(() => redisDeferrer({ url: 'http://u:hunter2@host' })).toThrow('redisDeferrer: url must use redis: or rediss:, got "http://u:***@host"');
    expect(() => redisDeferrer({ url, prefix: 'a{b}' })).toThrow('redisDeferrer: prefix must be a non-empty string without { or }, got "a{b}"');
    expect(() => redisDeferrer({ url, maxPayloadBytes: 0 })).toThrow('redisDeferrer: maxPayloadBytes must be a positive integer (bytes), got 0');
    expect(() => redisDeferrer({ url, timeoutMs: 0 })).toThrow(RangeError);
    expect(() => redisDeferrer({ url, doneRetentionMs: -1 })).toThrow('redisDeferrer: doneRetentionMs must be a finite number of milliseconds >= 0, got -1');
  });
});

describe.skipIf(!redisTestsRun)('redisDeferrer without Redis', () => {
  it('rejects at once with a typed connection error when Redis is down, and works again once it is back', async () => {
    const server = await startRedis();
    try {
      const queue = redisDeferrer({ url: server.url, prefix: `down:${randomUUID()}:`, timeoutMs: 2_000 });
      open.push(queue);
      const { id } = await queue.defer(task());
      await server.kill();
      const started = performance.now();
      const error = await rejection(queue.claim(1, 1_000));
      expect(performance.now() - started).toBeLessThan(1_000); // not the timeout: nothing waits for a connection that is down
      expect(isRedisQueueError(error)).toBe(true);
      expect(error).toMatchObject({ name: 'RedisQueueError', problem: 'connection', operation: 'claim' });
      await server.restart(); // empty: this server persists nothing
      const until = performance.now() + 5_000;
      let counts;
      while (counts === undefined && performance.now() < until) counts = await queue.counts().catch(() => new Promise((resolve) => setTimeout(resolve, 50)).then(() => undefined));
      expect(counts).toEqual({ pending: 0, running: 0, done: 0, failed: 0, dead: 0 });
      expect(await queue.get(id)).toBeUndefined(); // what a Redis without persistence does: see the README
    } finally {
      await server.stop();
    }
  });

  it('rejects with a typed connection error, within timeoutMs, when Redis was never there', async () => {
    const queue = redisDeferrer({ url: 'redis://127.0.0.1:1', timeoutMs: 300 });
    open.push(queue);
    const error = await rejection(queue.defer(task()));
    expect(isRedisQueueError(error)).toBe(true);
    expect(error).toMatchObject({ problem: 'connection', operation: 'defer' });
    expect((error as Error).message).toMatch(/^Redis deferrer: defer failed \(connection\): no connection to Redis at redis:\/\/127\.0\.0\.1:1 within 300 ms/);
  });
});
