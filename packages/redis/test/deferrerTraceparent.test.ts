import { randomUUID } from 'node:crypto';
import { VirtualClock } from '@stormwatch/core';
import { afterEach, describe, expect, it } from 'vitest';
import { redisDeferrer, type RedisDeferrer } from '../src/index.js';
import { task } from '../../queue/test/support/queueFiles.js';
import { redisTestsRun } from './support/redisServer.js';
import { useSharedRedis } from './support/sharedRedis.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const open: RedisDeferrer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((q) => q.close()));
});

describe.skipIf(!redisTestsRun)('the deferred call\'s traceparent in the Redis queue', () => {
  const redis = useSharedRedis();
  const setup = () => {
    const prefix = `traceparent:${randomUUID()}:`;
    const queue = redisDeferrer({ url: redis.server.url, prefix, clock: new VirtualClock(1_000) });
    open.push(queue);
    return { queue, prefix };
  };

  it('is stored in the task hash, and read back when claimed, listed or got', async () => {
    const { queue, prefix } = setup();
    const traced = await queue.defer(task({ callId: 1, traceparent: TRACEPARENT }));
    const untraced = await queue.defer(task({ callId: 2, deferredAt: 1 }));
    expect(await redis.admin.hGet(`${prefix}{queue}:task:${traced.id}`, 'traceparent')).toBe(TRACEPARENT);
    expect(await redis.admin.hExists(`${prefix}{queue}:task:${untraced.id}`, 'traceparent')).toBeFalsy();
    expect(await queue.get(traced.id)).toMatchObject({ traceparent: TRACEPARENT });
    expect(await queue.get(untraced.id)).not.toHaveProperty('traceparent');
    expect((await queue.list()).map((t) => t.traceparent)).toEqual([TRACEPARENT, undefined]);
    expect((await queue.claim(2, 1_000)).map((t) => t.traceparent)).toEqual([TRACEPARENT, undefined]);
  });

  it('is refused when it is not a W3C traceparent, and nothing is stored', async () => {
    const { queue } = setup();
    await expect(queue.defer(task({ traceparent: '00-abc' }))).rejects.toThrow('traceparent must be a W3C traceparent (00-<trace id>-<span id>-<flags>) or undefined, got "00-abc"');
    expect(await queue.counts()).toMatchObject({ pending: 0 });
  });
});
