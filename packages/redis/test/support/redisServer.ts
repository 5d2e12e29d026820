import { findRedisServer } from '../../src/server/redisServer.js';

/**
 * The Redis store's tests run a real `redis-server` (`startRedisServer` from
 * `@stormwatch/redis/server`, the package's helper for tests and local tools). As for the
 * pipeline servers (test/support/servers.ts at the repository root), the tests that need it
 * are skipped only on a developer machine without it; with STORMWATCH_E2E=1 (as .ci/run
 * sets) a missing redis-server fails them.
 */
export const redisTestsRun = process.env.STORMWATCH_E2E === '1' || findRedisServer() !== undefined;

export { startRedisServer as startRedis, type RedisServer } from '../../src/server/redisServer.js';
