import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { requireProgram } from '../../support/servers.js';
import { freePorts } from './ports.js';
import { ServerProcess } from './ServerProcess.js';

/** A redis-server of the test: where it listens, and its process (stop it to take Redis away). */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly process: ServerProcess;
}

/**
 * Starts Debian's redis-server (as users run it) on a free loopback port, nothing persisted,
 * its log and directory in `dir`; as packages/redis/test/support/redisServer.ts does for the
 * Redis store's own tests, ready once it answers PING.
 */
export async function startRedis(dir: string): Promise<RedisServer> {
  const [port] = (await freePorts(1)) as [number];
  const data = path.join(dir, 'redis');
  mkdirSync(data, { recursive: true });
  const server = new ServerProcess({
    name: 'redis-server',
    command: requireProgram('redis-server'),
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', data, '--daemonize', 'no', '--loglevel', 'warning'],
    isReady: () => answersPing(port),
    logFile: path.join(dir, 'redis.log'),
    readyTimeoutMs: 10_000,
  });
  await server.start();
  return { url: `redis://127.0.0.1:${port}`, process: server };
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
