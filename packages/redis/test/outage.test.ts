import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisStore, type RedisOverloadStore, type StoreDegradedEvent, type StoreRecoveredEvent } from '../src/index.js';
import { redisTestsRun, startRedis, type RedisServer } from './support/redisServer.js';

const TIMEOUT_MS = 50;
/** What an operation may take beyond the timeout on a busy machine (timers, event loop). */
const MARGIN_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Watched {
  readonly store: RedisOverloadStore;
  readonly degraded: StoreDegradedEvent[];
  readonly recovered: StoreRecoveredEvent[];
}

function watch(store: RedisOverloadStore): Watched {
  const watched: Watched = { store, degraded: [], recovered: [] };
  store.onDegraded((event) => watched.degraded.push(event));
  store.onRecovered((event) => watched.recovered.push(event));
  return watched;
}

/** Runs every operation once on `key`; returns the slowest, in ms. Throws if any operation throws. */
async function everyOperation(store: RedisOverloadStore, key: string): Promise<number> {
  const timed = async (run: () => Promise<unknown>) => {
    const start = performance.now();
    await run();
    return performance.now() - start;
  };
  const times = await Promise.all([
    timed(() => store.reserveSlot(key)),
    timed(() => store.reportOverload(key)),
    timed(() => store.pause(key, 10)),
    timed(() => store.pace(key)),
    timed(() => store.deposit(key)),
    timed(() => store.tryWithdraw(key)),
  ]);
  return Math.max(...times);
}

describe.skipIf(!redisTestsRun)('Redis down, hung or back', () => {
  let server: RedisServer;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  let stores: RedisOverloadStore[] = [];

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    server = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(stores.map((store) => store.close()));
    stores = [];
    expect(unhandled).toEqual([]);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await server?.stop();
  });

  function fleetOfTwo(): [Watched, Watched] {
    const prefix = `outage:${randomUUID()}:`;
    const made = [redisStore({ url: server.url, prefix, timeoutMs: TIMEOUT_MS }), redisStore({ url: server.url, prefix, timeoutMs: TIMEOUT_MS })];
    stores.push(...made);
    return [watch(made[0]!), watch(made[1]!)];
  }

  async function sharedCut(a: RedisOverloadStore, b: RedisOverloadStore, key: string): Promise<boolean> {
    await a.reportOverload(key);
    return (await b.pace(key)).ratePerSecond < Infinity;
  }

  /** Runs operations on both stores every 50 ms until both share again; returns how long that took. */
  async function untilRecovered(a: Watched, b: Watched, key: string, withinMs: number): Promise<number> {
    const start = performance.now();
    while (performance.now() - start < withinMs) {
      await Promise.all([everyOperation(a.store, key), everyOperation(b.store, key)]);
      if (a.store.sharing && b.store.sharing) return performance.now() - start;
      await sleep(50);
    }
    throw new Error(`not sharing again within ${withinMs} ms: ${a.store.sharing}, ${b.store.sharing}`);
  }

  it('answers locally within the timeout while Redis is killed, and shares again within 5 s of its restart', async () => {
    const [a, b] = fleetOfTwo();
    expect(await sharedCut(a.store, b.store, 'before')).toBe(true);

    await server.kill();
    let slowest = 0;
    for (let i = 0; i < 20; i++) {
      slowest = Math.max(slowest, await everyOperation(a.store, 'down'));
      await sleep(25);
    }
    expect(slowest).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(a.degraded.map((e) => e.reason)).toEqual([expect.stringMatching(/^(connection|timeout)$/)]);
    expect(a.store.sharing).toBe(false);
    // Every operation of the 20 rounds was answered locally, counted by the reason the store degraded for.
    const health = a.store.health();
    expect(health.sharing).toBe(false);
    expect(Object.keys(health.localAnswers)).toEqual([a.degraded[0]!.reason]);
    expect(health.localAnswers[a.degraded[0]!.reason]).toBe(20 * 6);
    // B only ever read the fleet's cut of 'before' (A made it): without Redis, B keeps that pace.
    expect((await b.store.pace('before')).ratePerSecond).toBeLessThan(Infinity);
    // Local answers: another process cannot see this one's cut.
    await a.store.reportOverload('while-down');
    expect((await a.store.pace('while-down')).ratePerSecond).toBeLessThan(Infinity);

    await server.restart();
    const tookMs = await untilRecovered(a, b, 'back', 5000);
    expect(tookMs).toBeLessThan(5000);
    expect(a.recovered).toEqual([{ degradedForMs: expect.any(Number), reason: a.degraded[0]!.reason }]);
    expect(a.store.health().sharing).toBe(true);
    expect(await sharedCut(a.store, b.store, 'after')).toBe(true);
  });

  it('answers locally within the timeout while Redis hangs, and shares again when it wakes', async () => {
    const [a, b] = fleetOfTwo();
    expect(await sharedCut(a.store, b.store, 'before')).toBe(true);

    server.freeze();
    try {
      let slowest = 0;
      // Longer than the 1 s after which a connection that answers nothing is replaced.
      for (let i = 0; i < 30; i++) {
        slowest = Math.max(slowest, await everyOperation(a.store, 'hung'), await everyOperation(b.store, 'hung'));
        await sleep(50);
      }
      expect(slowest).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      expect(a.degraded.map((e) => e.reason)).toEqual(['timeout']);
      expect(b.degraded.map((e) => e.reason)).toEqual(['timeout']);
    } finally {
      server.thaw();
    }
    await untilRecovered(a, b, 'awake', 5000);
    expect([a.recovered.length, b.recovered.length]).toEqual([1, 1]);
    expect(await sharedCut(a.store, b.store, 'after')).toBe(true);
  });

  it('answers locally when Redis is down from the start, and shares once it is up', async () => {
    await server.kill();
    const [a, b] = fleetOfTwo();
    const start = performance.now();
    expect(await a.store.reserveSlot('m')).toBe(0);
    expect(performance.now() - start).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(a.degraded.map((e) => e.reason)).toEqual(['connection']);
    await server.restart();
    await untilRecovered(a, b, 'up', 5000);
    expect(a.recovered).toEqual([{ degradedForMs: expect.any(Number), reason: 'connection' }]);
    expect(await sharedCut(a.store, b.store, 'after')).toBe(true);
  });
});
