import { randomUUID } from 'node:crypto';
import { VirtualClock } from '@stormwatch/core';
import { afterEach, describe, expect, it } from 'vitest';
import { redisDeferrer, type RedisDeferrer } from '../src/index.js';
import { task } from '../../queue/test/support/queueFiles.js';
import { redisTestsRun } from './support/redisServer.js';
import { useSharedRedis } from './support/sharedRedis.js';

const open: RedisDeferrer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((q) => q.close()));
});

describe.skipIf(!redisTestsRun)('RedisDeferrer.nearestDeadlineMs on a real Redis', () => {
  const redis = useSharedRedis();

  it('is the time left before the earliest deadline of a task still to do, negative once passed, undefined without one', async () => {
    const clock = new VirtualClock(10_000);
    const queue = redisDeferrer({ url: redis.server.url, prefix: `deadline:${randomUUID()}:`, clock });
    open.push(queue);
    expect(await queue.nearestDeadlineMs()).toBeUndefined();
    await queue.defer(task({ callId: 1, deferredAt: 9_000 }));
    expect(await queue.nearestDeadlineMs()).toBeUndefined();
    const soon = await queue.defer(task({ callId: 2, deferredAt: 9_100, deadlineAt: 40_000 }));
    await queue.defer(task({ callId: 3, deferredAt: 9_200, deadlineAt: 1_700_000_000_123 }));
    expect(await queue.nearestDeadlineMs()).toBe(30_000);
    await clock.advance(45_000);
    expect(await queue.nearestDeadlineMs()).toBe(-15_000);
    // Settled tasks no longer count: the next deadline is the far one (all 13 digits kept).
    const [claimed] = (await queue.claim(3, 60_000)).filter((t) => t.id === soon.id);
    await queue.complete(claimed!.id);
    expect(await queue.nearestDeadlineMs()).toBe(1_700_000_000_123 - 55_000);
  });
});
