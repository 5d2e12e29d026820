import { randomUUID } from 'node:crypto';
import { VirtualClock } from '@stormwatch/core';
import { afterAll, beforeAll, describe } from 'vitest';
import { redisDeferrer } from '../src/index.js';
import { handOverConformance } from '../../queue/test/handOverConformance.js';
import { redisTestsRun, startRedis, type RedisServer } from './support/redisServer.js';

describe.skipIf(!redisTestsRun)('redisDeferrer hands claims over', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  // The same table as SqliteDeferrer's, each test on a queue of its own (a fresh prefix).
  handOverConformance('RedisDeferrer', async () => {
    const clock = new VirtualClock(1_000);
    return { clock, queue: redisDeferrer({ url: server.url, prefix: `handover:${randomUUID()}:`, clock }) };
  });
});
