import { randomUUID } from 'node:crypto';
import { VirtualClock } from '@stormwatch/core';
import { describe, expect, it } from 'vitest';
import { SCRIPTS } from '../src/internal/scripts.js';
import { redisStore, type StoreDegradedEvent } from '../src/index.js';
import { redisTestsRun } from './support/redisServer.js';
import { useSharedRedis } from './support/sharedRedis.js';

/**
 * The default rules keep a key the longest of its windows, the time to calm again (30 s)
 * and the rate's growth from its floor back to calm (2.5 s, a shared rate's doubling, ·
 * log2(2 / 0.02) ≈ 16.6 s), plus 5 min, past its last write.
 */
const DEFAULT_RETENTION_MS = Math.ceil(Math.max(30_000, 2_500 * Math.log2(2 / 0.02)) + 300_000);

describe.skipIf(!redisTestsRun)('keys in Redis', () => {
  const redis = useSharedRedis();

  async function keysUnder(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const batch of redis.admin.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 })) keys.push(...batch);
    return keys.sort();
  }

  it('gives every key a TTL after every operation, under the prefix', async () => {
    const prefix = `keys:${randomUUID()}:`;
    const store = redisStore({ url: redis.server.url, prefix, timeoutMs: 2000 });
    try {
      const operations: [string, (key: string) => Promise<unknown>][] = [
        ['reserveSlot', (key) => store.reserveSlot(key)],
        ['reportOverload', (key) => store.reportOverload(key)],
        ['pause', (key) => store.pause(key, 100)],
        ['deposit', (key) => store.deposit(key)],
        ['tryWithdraw', (key) => store.tryWithdraw(key)],
      ];
      for (const [name, run] of operations) await run(name);
      expect(await keysUnder(prefix)).toEqual(operations.map(([name]) => `${prefix}overload:${name}`).sort());
      for (const key of await keysUnder(prefix)) {
        const ttl = await redis.admin.pTTL(key);
        expect(ttl, key).toBeGreaterThan(DEFAULT_RETENTION_MS - 2000);
        expect(ttl, key).toBeLessThanOrEqual(DEFAULT_RETENTION_MS + 100);
      }
      // A read of a model nobody wrote creates nothing.
      await store.pace('unknown');
      expect(await redis.admin.exists(`${prefix}overload:unknown`)).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('keeps a key past its pause and its open circuit', async () => {
    const prefix = `keys:${randomUUID()}:`;
    const store = redisStore({ url: redis.server.url, prefix, timeoutMs: 2000, rate: { minRate: 0.02, calmRate: 0.04 } });
    try {
      await store.pause('paused', 3_600_000);
      expect(await redis.admin.pTTL(`${prefix}overload:paused`)).toBeGreaterThan(3_600_000 + 300_000 - 2000);
      await store.setCircuit('down', 1_800_000);
      expect(await redis.admin.pTTL(`${prefix}overload:down`)).toBeGreaterThan(1_800_000 + 300_000 - 2000);
    } finally {
      await store.close();
    }
  });

  it('loads its scripts again when Redis has forgotten them (NOSCRIPT)', async () => {
    const prefix = `keys:${randomUUID()}:`;
    const clock = new VirtualClock();
    const store = redisStore({ url: redis.server.url, prefix, timeoutMs: 2000, clock });
    const degraded: StoreDegradedEvent[] = [];
    store.onDegraded((event) => degraded.push(event));
    try {
      await store.reportOverload('m');
      await redis.admin.scriptFlush();
      expect(await redis.admin.scriptExists(SCRIPTS.reserveSlot.sha)).toEqual([0]);
      expect(await store.reserveSlot('m')).toBe(0);
      expect(await store.reserveSlot('m')).toBeCloseTo(1000, 6);
      expect(await redis.admin.scriptExists(SCRIPTS.reserveSlot.sha)).toEqual([1]);
      expect(degraded).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('lets services that share a prefix share a model, and keeps other prefixes apart', async () => {
    const shared = `keys:${randomUUID()}:`;
    const [billing, search, other] = [redisStore({ url: redis.server.url, prefix: shared }), redisStore({ url: redis.server.url, prefix: shared }), redisStore({ url: redis.server.url, prefix: `keys:${randomUUID()}:` })];
    try {
      await billing.reportOverload('claude-opus-4-7');
      expect((await search.pace('claude-opus-4-7')).ratePerSecond).toBeLessThan(Infinity);
      expect((await other.pace('claude-opus-4-7')).ratePerSecond).toBe(Infinity);
    } finally {
      await Promise.all([billing.close(), search.close(), other.close()]);
    }
  });
});
