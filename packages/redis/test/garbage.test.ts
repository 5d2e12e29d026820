import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisStore, type RedisOverloadStore, type StoreDegradedEvent, type StoreRecoveredEvent } from '../src/index.js';
import { startFakeRedis } from './support/fakeRedis.js';
import { redisTestsRun } from './support/redisServer.js';
import { useSharedRedis } from './support/sharedRedis.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function watched(store: RedisOverloadStore): { degraded: StoreDegradedEvent[]; recovered: StoreRecoveredEvent[] } {
  const events = { degraded: [] as StoreDegradedEvent[], recovered: [] as StoreRecoveredEvent[] };
  store.onDegraded((event) => events.degraded.push(event));
  store.onRecovered((event) => events.recovered.push(event));
  return events;
}

describe('a Redis that answers garbage', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  beforeAll(() => void process.on('unhandledRejection', onUnhandled));
  afterAll(() => void process.off('unhandledRejection', onUnhandled));
  afterEach(() => expect(unhandled).toEqual([]));

  for (const [name, reply] of [
    ['an integer', ':42\r\n'],
    ['a string that is not a number', '$7\r\ngarbage\r\n'],
    ['a negative wait', '$2\r\n-5\r\n'],
    ['an array', '*2\r\n$1\r\n1\r\n$1\r\n2\r\n'],
    ['nil', '_\r\n'],
  ] as const) {
    it(`answers from local state when a script's reply is ${name}`, async () => {
      const fake = await startFakeRedis(reply);
      const store = redisStore({ url: fake.url, timeoutMs: 1000 });
      const events = watched(store);
      try {
        expect(await store.reserveSlot('m')).toBe(0);
        expect(await store.tryWithdraw('m')).toBe(true);
        expect(await store.pace('m')).toEqual({ ratePerSecond: Infinity, pausedForMs: 0, circuitOpenForMs: 0 });
        expect(fake.scripts).toBe(1); // then answered locally, asking again only every 500 ms
        expect(events.degraded).toEqual([{ reason: 'malformed_reply', operation: 'reserveSlot', key: 'm', error: expect.any(Error) }]);
        expect(events.degraded[0]!.error.message).toMatch(/reserveSlot/);
      } finally {
        await store.close();
        await fake.close();
      }
    });
  }

  it('answers from local state when the reply is not the Redis protocol at all', async () => {
    const fake = await startFakeRedis('\u0000\u00ffnot redis\r\n');
    const store = redisStore({ url: fake.url, timeoutMs: 1000 });
    const events = watched(store);
    try {
      expect(await store.reserveSlot('m')).toBe(0);
      expect(await store.tryWithdraw('m')).toBe(true);
      expect(events.degraded).toHaveLength(1);
    } finally {
      await store.close();
      await fake.close();
    }
  });

  it('shares again once the replies make sense', async () => {
    const fake = await startFakeRedis(':42\r\n');
    const store = redisStore({ url: fake.url, timeoutMs: 1000 });
    const events = watched(store);
    try {
      await store.deposit('m');
      expect(store.sharing).toBe(false);
      fake.scriptReply = '$2\r\nok\r\n';
      await sleep(550);
      await store.deposit('m');
      expect(store.sharing).toBe(true);
      expect(events.recovered).toEqual([{ degradedForMs: expect.any(Number), reason: 'malformed_reply' }]);
    } finally {
      await store.close();
      await fake.close();
    }
  });
});

describe.skipIf(!redisTestsRun)('another program writes under the prefix', () => {
  const redis = useSharedRedis();

  it('answers from local state when the key holds another type, and shares again once it is gone', async () => {
    const prefix = `garbage:${randomUUID()}:`;
    await redis.admin.set(`${prefix}overload:m`, 'not a hash');
    const store = redisStore({ url: redis.server.url, prefix, timeoutMs: 1000 });
    const events = watched(store);
    try {
      expect(await store.reserveSlot('m')).toBe(0);
      await expect(store.reportOverload('m')).resolves.toBeUndefined();
      expect(events.degraded).toEqual([{ reason: 'error_reply', operation: 'reserveSlot', key: 'm', error: expect.any(Error) }]);
      expect(events.degraded[0]!.error.message).toMatch(/WRONGTYPE/);
      expect(await redis.admin.get(`${prefix}overload:m`)).toBe('not a hash'); // left as it was
      await redis.admin.del(`${prefix}overload:m`);
      await sleep(550);
      await store.pause('m', 1000);
      expect(events.recovered).toHaveLength(1);
      expect((await store.pace('m')).pausedForMs).toBeGreaterThan(0);
      expect(await redis.admin.type(`${prefix}overload:m`)).toBe('hash');
    } finally {
      await store.close();
    }
  });

  it('answers from local state when a field of the state is not a number', async () => {
    const prefix = `garbage:${randomUUID()}:`;
    await redis.admin.hSet(`${prefix}overload:m`, 'rate', 'banana');
    const store = redisStore({ url: redis.server.url, prefix, timeoutMs: 1000 });
    const events = watched(store);
    try {
      expect(await store.pace('m')).toEqual({ ratePerSecond: Infinity, pausedForMs: 0, circuitOpenForMs: 0 });
      expect(events.degraded).toEqual([{ reason: 'error_reply', operation: 'pace', key: 'm', error: expect.any(Error) }]);
      expect(events.degraded[0]!.error.message).toMatch(/STORMWATCH_MALFORMED field rate/);
    } finally {
      await store.close();
    }
  });
});
