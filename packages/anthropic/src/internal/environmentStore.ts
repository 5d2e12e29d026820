import type { OverloadStore } from '@stormwatch/core';
import { packageRequire } from './packageRequire.cjs';

/** The environment variable that puts every `resilient()` client of a process on one shared store. */
export const REDIS_URL_VARIABLE = 'STORMWATCH_REDIS_URL';

/**
 * One store per URL per process: every client shares its connection, whichever build of this
 * package (ES module or CommonJS) created it — so the map lives on `globalThis`.
 */
const KEY = Symbol.for('stormwatch.anthropic.environmentStores');
const stores = ((globalThis as Record<symbol, unknown>)[KEY] ??= new Map<string, OverloadStore>()) as Map<string, OverloadStore>;

/**
 * The shared store `STORMWATCH_REDIS_URL` names (`redisStore({ url })` from
 * `@stormwatch/redis`, an optional peer loaded only when the variable is set), or undefined
 * when it is unset or blank.
 *
 * @throws TypeError naming the variable when `@stormwatch/redis` is not installed or the URL
 * is malformed (the password, if any, is not repeated).
 */
export function environmentStore(env: NodeJS.ProcessEnv = process.env): OverloadStore | undefined {
  const url = env[REDIS_URL_VARIABLE]?.trim();
  if (!url) return undefined;
  const known = stores.get(url);
  if (known) return known;
  const store = loadRedis().redisStore({ url });
  stores.set(url, store);
  return store;
}

interface RedisModule {
  redisStore(options: { url: string }): OverloadStore;
}

function loadRedis(): { redisStore(options: { url: string }): OverloadStore } {
  let redis: RedisModule;
  try {
    redis = packageRequire('@stormwatch/redis') as RedisModule;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
      throw new TypeError(`${REDIS_URL_VARIABLE} is set, but @stormwatch/redis is not installed: npm install @stormwatch/redis`, { cause: error });
    }
    throw error;
  }
  return {
    redisStore: (options) => {
      try {
        return redis.redisStore(options);
      } catch (error) {
        throw new TypeError(`${REDIS_URL_VARIABLE}: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}
