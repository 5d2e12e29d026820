/**
 * `--redis auto`: a private `redis-server` (Debian's, as users run it) for one live fleet
 * run, on a free loopback port, persisting nothing, in a temporary directory; stopped and
 * removed after the run. In its own process group, so a Ctrl-C at the terminal does not
 * stop it under the fleet while the calls in progress finish. The server itself is
 * `startRedisServer` from `@stormwatch/redis/server`, the helper the project's tests use too.
 */
import { findRedisServer, startRedisServer } from '@stormwatch/redis/server';

export { findRedisServer };

export interface PrivateRedis {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** Starts a redis-server on a free loopback port. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  if (findRedisServer() === undefined) throw new Error('--redis auto needs redis-server on PATH (Debian: apt-get install redis-server); or pass --redis redis://host:port');
  return startRedisServer({ detached: true });
}
