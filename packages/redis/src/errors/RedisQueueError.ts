/**
 * Why the Redis deferrer could not do an operation:
 * - `connection`: no connection to Redis (down, restarting, unreachable, refused);
 * - `timeout`: Redis did not answer within `timeoutMs` (hung, overloaded, a network that
 *   drops packets). The operation may still run once Redis answers;
 * - `error_reply`: Redis answered with an error (out of memory, a read-only replica, `NOAUTH`);
 * - `malformed_reply`: Redis answered something the script never returns (another program's
 *   keys under the prefix, a proxy in the way).
 */
export type RedisQueueProblem = 'connection' | 'timeout' | 'error_reply' | 'malformed_reply';

/**
 * The Redis deferrer could not reach or understand Redis. Nothing is lost by it: a task is
 * in Redis once `defer` resolved, and a task a drain held returns to the queue when its
 * lease expires. `drainDeferred` rejects with it (after the tasks in hand settle); run the
 * drain again once Redis is back.
 */
export class RedisQueueError extends Error {
  readonly isRedisQueueError = true;
  override readonly name = 'RedisQueueError';

  constructor(
    readonly problem: RedisQueueProblem,
    /** The deferrer's operation (`claim`, `complete`, ...). */
    readonly operation: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`Redis deferrer: ${operation} failed (${problem}): ${detail}`, options);
  }
}

/** True for a {@link RedisQueueError}, from any copy of this package. */
export function isRedisQueueError(error: unknown): error is RedisQueueError {
  return typeof error === 'object' && error !== null && (error as { isRedisQueueError?: unknown }).isRedisQueueError === true;
}
