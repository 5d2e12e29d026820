import { randomUUID } from 'node:crypto';
import { VirtualClock } from '@stormwatch/core';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { redisStore, type StoreDegradedEvent } from '../src/index.js';
import { overloadStoreConformance } from '../../core/test/storeConformance.js';
import { redisTestsRun, startRedis, type RedisServer } from './support/redisServer.js';

describe.skipIf(!redisTestsRun)('redisStore conformance', () => {
  let server: RedisServer;
  const degraded: StoreDegradedEvent[] = [];

  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(() => {
    // Every answer of the table came from Redis, none from the local fallback.
    expect(degraded).toEqual([]);
  });

  overloadStoreConformance('redisStore', async (options) => {
    const clock = new VirtualClock();
    // A generous timeout: the table checks the scripts, not the fallback.
    const store = redisStore({ ...options, url: server.url, prefix: `conformance:${randomUUID()}:`, clock, timeoutMs: 5000 });
    store.onDegraded((event) => degraded.push(event));
    return { store, advance: (ms) => clock.advance(ms) };
  });
});
