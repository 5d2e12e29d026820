import path from 'node:path';
import { startRedisServer, type RedisServer } from '@stormwatch/redis/server';
import { requireProgram } from '../../support/servers.js';

export type { RedisServer };

/**
 * Starts Debian's redis-server (as users run it) on a free loopback port, nothing persisted,
 * in `dir`/redis: `startRedisServer` from `@stormwatch/redis/server`, the helper the Redis
 * store's own tests and the storm lab use. A missing redis-server fails with the message
 * every e2e server gives.
 */
export async function startRedis(dir: string): Promise<RedisServer> {
  requireProgram('redis-server');
  return startRedisServer({ dir: path.join(dir, 'redis') });
}
