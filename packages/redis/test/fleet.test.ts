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

  it('gives each slot once, to one of the 20 that ask when it is due (one clock)', async () => {
    const clock = new VirtualClock(1_765_000_000_000); // frozen between rounds: every answer is from the same now
    const { stores, degraded, close } = await fleet({ rate, clock });
    await stores[0]!.reportOverload('m');
    expect((await stores[7]!.pace('m')).ratePerSecond).toBeCloseTo(10, 9);
    const rounds: number[][] = [];
    for (let round = 0; round < 10; round++) {
      rounds.push(await Promise.all(stores.map((store) => store.reserveSlot('m'))));
      await clock.advance(100); // the next slot, 1 / rate later
    }
    await close();
    for (const answers of rounds) {
      // One process takes the slot; the other 19 hear it is 100 ms away, and nothing is booked.
      expect(answers.filter((wait) => wait === 0)).toHaveLength(1);
      for (const wait of answers.filter((w) => w !== 0)) expect(wait).toBeCloseTo(100, 6);
    }
    expect(degraded).toEqual([]);
  });

  it('gives each slot once, 1 / rate apart across the fleet (Redis TIME)', async () => {
    const { stores, degraded, close } = await fleet({ rate });
    await stores[0]!.reportOverload('m');
    // Every process asks for 1.2 s, again when it hears the next slot is due (Redis reads
    // this machine's clock too). A slot taken is taken at most once and 100 ms after the last.
    const end = Date.now() + 1200;
    const taken = (
      await Promise.all(
        stores.map(async (store) => {
          const mine: number[] = [];
          while (Date.now() < end) {
            const wait = await store.reserveSlot('m');
            if (wait === 0) mine.push(Date.now());
            else await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 50)));
          }
          return mine;
        }),
      )
    ).flat();
    await close();
    const sorted = taken.sort((a, b) => a - b);
    expect(sorted.length).toBeGreaterThanOrEqual(11); // 1.2 s at 10 per second, the first at once
    expect(sorted.length).toBeLessThanOrEqual(14);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(100 - 5);
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
