import { randomUUID } from 'node:crypto';
import { VirtualClock } from '@stormwatch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisStore, type RedisOverloadStore, type RedisStoreOptions, type StoreDegradedEvent } from '../src/index.js';
import { redisTestsRun, startRedis, type RedisServer } from './support/redisServer.js';

const FLEET = 20;
/** Paced at 10 req/s fleet-wide once cut from calm (20 × 0.5), and held there for the test. */
const rate = { calmRate: 20, decreaseFactor: 0.5, minRate: 0.1, doublingMs: 1e9, calmAfterMs: 1e9 };

describe.skipIf(!redisTestsRun)('a fleet of 20 processes on one Redis', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function fleet(options: Omit<RedisStoreOptions, 'url' | 'prefix'>): Promise<{ stores: RedisOverloadStore[]; degraded: StoreDegradedEvent[]; close(): Promise<void> }> {
    const prefix = `fleet:${randomUUID()}:`;
    const degraded: StoreDegradedEvent[] = [];
    const stores = Array.from({ length: FLEET }, () => redisStore({ timeoutMs: 2000, ...options, url: server.url, prefix }));
    for (const store of stores) store.onDegraded((event) => degraded.push(event));
    await Promise.all(stores.map((store) => store.pace('warm-up'))); // every connection is up
    return { stores, degraded, close: () => Promise.all(stores.map((store) => store.close())).then(() => undefined) };
  }

  it('gives each slot once, 1 / rate apart across the fleet (one clock)', async () => {
    const clock = new VirtualClock(1_765_000_000_000); // frozen: every wait is from the same now
    const { stores, degraded, close } = await fleet({ rate, clock });
    await stores[0]!.reportOverload('m');
    expect((await stores[7]!.pace('m')).ratePerSecond).toBeCloseTo(10, 9);
    const waits = (await Promise.all(stores.map((store) => Promise.all(Array.from({ length: 10 }, () => store.reserveSlot('m')))))).flat();
    await close();
    const sorted = [...waits].sort((a, b) => a - b);
    expect(sorted.length).toBe(200);
    // The first slot is now (nothing reserved before the cut), then one every 100 ms, none twice.
    sorted.forEach((wait, i) => expect(wait).toBeCloseTo(i * 100, 6));
    expect(degraded).toEqual([]);
  });

  it('gives each slot once, 1 / rate apart across the fleet (Redis TIME)', async () => {
    const { stores, degraded, close } = await fleet({ rate });
    await stores[0]!.reportOverload('m');
    // Each slot as a time on this machine's clock, which Redis reads too: between the call
    // and its answer, plus the wait. Consecutive slots are 100 ms apart in Redis time, so
    // the intervals of neighbours must allow exactly 100 ms.
    const slots = (
      await Promise.all(
        stores.map(async (store) => {
          const mine: { earliest: number; latest: number }[] = [];
          for (let i = 0; i < 10; i++) {
            const before = Date.now();
            const wait = await store.reserveSlot('m');
            mine.push({ earliest: before + wait - 1, latest: Date.now() + wait + 1 });
          }
          return mine;
        }),
      )
    ).flat();
    await close();
    const sorted = [...slots].sort((a, b) => a.earliest + a.latest - (b.earliest + b.latest));
    expect(sorted.length).toBe(200);
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i]!.earliest - sorted[i - 1]!.latest).toBeLessThanOrEqual(100);
      expect(sorted[i]!.latest - sorted[i - 1]!.earliest).toBeGreaterThanOrEqual(100);
    }
    expect(degraded).toEqual([]);
  });

  it('keeps the retries of all 20 within the shared budget', async () => {
    const budget = { ratio: 0.1, minRetriesPerSecond: 1, windowMs: 10_000 };
    const { stores, degraded, close } = await fleet({ budget });
    // 50 calls per process (1000 deposits: 100 retries) on top of the reserve (10), then every process retries as much as it may.
    await Promise.all(stores.map((store) => Promise.all(Array.from({ length: 50 }, () => store.deposit('m')))));
    const taken = (await Promise.all(stores.map((store) => Promise.all(Array.from({ length: 20 }, () => store.tryWithdraw('m')))))).flat().filter(Boolean).length;
    await close();
    // The budget is 10 + 0.1 × 1000 = 110; the sum of a thousand 0.1s may fall a hair short of 100, leaving 109.
    expect(taken).toBeGreaterThanOrEqual(109);
    expect(taken).toBeLessThanOrEqual(110);
    expect(degraded).toEqual([]);
  });
});
