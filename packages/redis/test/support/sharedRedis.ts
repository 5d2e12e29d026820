import { createClient } from '@redis/client';
import { afterAll, beforeAll } from 'vitest';
import { startRedis, type RedisServer } from './redisServer.js';

/** A redis-server for the enclosing `describe`, with an admin client to read or plant keys. */
export interface SharedRedis {
  readonly server: RedisServer;
  readonly admin: ReturnType<typeof createClient>;
}

/**
 * Starts a redis-server and connects an admin client before the suite's tests, and stops
 * both after them. Call it inside a `describe`; read the fields inside the tests.
 */
export function useSharedRedis(): SharedRedis {
  let server: RedisServer | undefined;
  let admin: ReturnType<typeof createClient> | undefined;
  beforeAll(async () => {
    server = await startRedis();
    admin = createClient({ url: server.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.close();
    await server?.stop();
  });
  return {
    get server() {
      if (!server) throw new Error('useSharedRedis: the server is started in beforeAll');
      return server;
    },
    get admin() {
      if (!admin) throw new Error('useSharedRedis: the admin client connects in beforeAll');
      return admin;
    },
  };
}
