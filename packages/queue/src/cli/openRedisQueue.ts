import type { TaskQueue } from '../TaskQueue.js';

/** `--redis` cannot be opened: `@stormwatch/redis` (an optional peer dependency of this package) is missing, or the URL or prefix is malformed. */
export class CannotOpenRedisQueueError extends Error {
  override readonly name = 'CannotOpenRedisQueueError';
}

/** What the CLI uses of `@stormwatch/redis`. */
interface RedisPackage {
  redisDeferrer(options: { url: string; prefix?: string }): TaskQueue;
}

// A variable, so that neither TypeScript nor a bundler requires the optional package.
const REDIS_PACKAGE = '@stormwatch/redis';

/**
 * The Redis queue at `url` (keys under `prefix`), through `@stormwatch/redis` — loaded only
 * here, so the SQLite CLI needs no Redis client. Rejects with a `TypeError` naming the
 * problem for a malformed URL or prefix, with {@link CannotOpenRedisQueueError} when the package
 * is not installed. Connects at the first command: an unreachable Redis rejects there
 * (`RedisQueueError`, its URL without the password).
 */
export async function openRedisQueue(url: string, prefix: string | undefined): Promise<TaskQueue> {
  let redis: RedisPackage;
  try {
    redis = (await import(REDIS_PACKAGE)) as RedisPackage;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND' && (error as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw error;
    throw new CannotOpenRedisQueueError('--redis needs the @stormwatch/redis package: npm install @stormwatch/redis', { cause: error });
  }
  try {
    return redis.redisDeferrer({ url, ...(prefix === undefined ? {} : { prefix }) });
  } catch (error) {
    // A malformed URL or prefix: the deferrer's own message names it.
    throw new CannotOpenRedisQueueError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}
