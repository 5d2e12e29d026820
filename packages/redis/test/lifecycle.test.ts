import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisStore } from '../src/index.js';
import { redisTestsRun, startRedis, type RedisServer } from './support/redisServer.js';

/** Loopback port 1: nothing listens, nothing leaves the machine. */
const NOWHERE = 'redis://127.0.0.1:1';

describe.skipIf(!redisTestsRun)('a closed store', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('says it is closed and shares nothing, where it shared before', async () => {
    const store = redisStore({ url: server.url, prefix: `lifecycle:${randomUUID()}:`, timeoutMs: 5000 });
    expect(await store.reserveSlot('m')).toBe(0);
    expect(store.health()).toEqual({ sharing: true, localAnswers: {} });

    await store.close();
    expect(store.health()).toEqual({ sharing: false, localAnswers: {}, closed: true });
    expect(store.sharing).toBe(false);
  });

  it('keeps the local answers it counted before it was closed', async () => {
    const store = redisStore({ url: NOWHERE, timeoutMs: 20 });
    await store.reserveSlot('m');
    await store.pace('m');
    const before = store.health();
    expect(before.sharing).toBe(false);
    expect(Object.values(before.localAnswers).reduce((a, b) => a + b, 0)).toBe(2);

    await store.close();
    expect(store.health()).toEqual({ sharing: false, localAnswers: before.localAnswers, closed: true });
  });
});
