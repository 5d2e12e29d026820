import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPolicy, isCallDeferredError, systemClock, VirtualClock, type CallDeferredError, type Clock } from '@stormwatch/core';
import { afterEach, describe, expect, it } from 'vitest';
import { isRedisQueueError, redisDeferrer, type RedisDeferrer } from '../src/index.js';
import { classify, overloaded } from '../../core/test/fixtures.js';
import { drainDeferred } from '../../queue/src/index.js';
import { drive } from '../../queue/test/support/drive.js';
import { opus, task } from '../../queue/test/support/queueFiles.js';
import { redisTestsRun, startRedis } from './support/redisServer.js';
import { useSharedRedis } from './support/sharedRedis.js';

const HOUR = 3_600_000;
const LEASE_MS = 60_000;
const open: RedisDeferrer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((q) => q.close()));
});

function deferrer(url: string, prefix: string, clock: Clock = systemClock): RedisDeferrer {
  const queue = redisDeferrer({ url, prefix, clock });
  open.push(queue);
  return queue;
}

describe.skipIf(!redisTestsRun)('drainDeferred on the Redis deferrer', () => {
  const redis = useSharedRedis();

  it('lets a fleet of drains share one queue: every task handled once, all done', async () => {
    const prefix = `fleet:${randomUUID()}:`;
    const queue = deferrer(redis.server.url, prefix);
    const n = 60;
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await queue.defer(task({ callId: i, deferredAt: Date.now() - 1_000 }))).id);
    const handled: string[] = [];
    const byDrain = [0, 0, 0];
    const summaries = await Promise.all(
      byDrain.map((_, d) =>
        drainDeferred(
          deferrer(redis.server.url, prefix),
          async (_task, { id }) => {
            await sleep(2);
            handled.push(id);
            byDrain[d]!++;
          },
          { concurrency: 4, leaseMs: LEASE_MS, stopWhenIdle: true },
        ),
      ),
    );
    expect(handled.sort()).toEqual([...ids].sort()); // each once: no duplicate, none lost
    expect(summaries.reduce((sum, s) => sum + s.drained, 0)).toBe(n);
    expect(byDrain.filter((count) => count > 0).length).toBeGreaterThan(1); // the work was shared
    expect(await queue.counts()).toEqual({ pending: 0, running: 0, done: n, failed: 0, dead: 0 });
  });

  it('takes the calls a policy defers while the model is overloaded, and drains each once through the policy', async () => {
    const clock = new VirtualClock();
    const prefix = `policy:${randomUUID()}:`;
    const queue = deferrer(redis.server.url, prefix, clock);
    const policy = createPolicy({ classify, clock, random: () => 0.5, admission: false, abandon: { deferrer: queue } });
    const payload = (i: number) => ({ model: opus, max_tokens: 64, messages: [{ role: 'user', content: `Summarise report ${i}` }] });
    const n = 4;
    const deferred = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        policy.execute(() => Promise.reject(overloaded()), { model: opus, deadlineMs: HOUR, deferPayload: payload(i) }).then(
          () => undefined,
          (error: unknown) => error,
        ),
      ),
    );
    expect(deferred.every(isCallDeferredError)).toBe(true);
    const receipts = (deferred as CallDeferredError[]).map((e) => e.receipt.id);
    expect(await queue.list()).toEqual(receipts.map((id, i) => expect.objectContaining({ id, state: 'pending', payload: payload(i), model: opus, reason: 'overloaded_error', deadlineAt: HOUR })));

    const ran: string[] = [];
    const summary = await drive(
      clock,
      policy,
      drainDeferred(queue, (t, { signal, remainingMs }) => policy.execute(async () => void ran.push(t.id), { model: opus, signal, deadlineMs: remainingMs }), { stopWhenIdle: true }),
    );
    expect(summary).toEqual({ drained: n, failed: 0, dead: 0, released: 0 });
    expect(ran.sort()).toEqual(receipts.sort());
    expect(await queue.counts()).toEqual({ pending: 0, running: 0, done: n, failed: 0, dead: 0 });
  });
});

describe.skipIf(!redisTestsRun)('Redis going away in the middle of a drain', () => {
  it('stops the drain with a typed error; after a restart (AOF on) a new drain completes every task, none lost', async () => {
    const server = await startRedis({ persist: true });
    try {
      const prefix = `away:${randomUUID()}:`;
      const setup = deferrer(server.url, prefix);
      const n = 30;
      const ids: string[] = [];
      for (let i = 0; i < n; i++) ids.push((await setup.defer(task({ callId: i, deferredAt: Date.now() - 1_000 }))).id);

      const handled: string[] = [];
      const first = drainDeferred(
        deferrer(server.url, prefix),
        async (_task, { id }) => {
          await sleep(20);
          handled.push(id);
        },
        { concurrency: 4, leaseMs: LEASE_MS, pollMs: 50 },
      ).then(
        () => new Error('the drain went on without Redis'),
        (error: unknown) => error,
      );
      while (handled.length < 8) await sleep(5);
      await server.kill();
      const error = await first;
      expect(isRedisQueueError(error)).toBe(true);
      expect(error).toMatchObject({ name: 'RedisQueueError', problem: 'connection' });
      const handledByFirst = new Set(handled);

      await server.restart(); // the append-only file brings every task back
      const later = deferrer(server.url, prefix, { now: () => Date.now() + LEASE_MS + 1_000, sleep: systemClock.sleep });
      let counts;
      for (const giveUpAt = Date.now() + 10_000; counts === undefined && Date.now() < giveUpAt; ) counts = await later.counts().catch(() => sleep(50).then(() => undefined));
      expect(counts!.pending + counts!.running + counts!.done).toBe(n);
      expect(counts!.done).toBeLessThan(n);

      const summary = await drainDeferred(
        later,
        async (_task, { id }) => {
          handled.push(id);
        },
        { concurrency: 4, leaseMs: LEASE_MS, stopWhenIdle: true },
      );
      expect(summary.drained).toBe(n - counts!.done);
      expect(new Set(handled)).toEqual(new Set(ids)); // nothing lost
      const times = new Map<string, number>();
      for (const id of handled) times.set(id, (times.get(id) ?? 0) + 1);
      // At least once: a task runs twice only if the first drain did its work and could not mark it done.
      expect([...times].filter(([, count]) => count > 1).every(([id, count]) => count === 2 && handledByFirst.has(id))).toBe(true);
      expect(await later.counts()).toEqual({ pending: 0, running: 0, done: n, failed: 0, dead: 0 });
    } finally {
      await server.stop();
    }
  }, 30_000);
});
