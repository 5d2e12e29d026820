import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A real `redis-server` (Debian's, as users run it) for the tests: started on a free
 * loopback port in a temporary directory, with nothing persisted, and stopped afterwards.
 *
 * As for the pipeline servers (test/support/servers.ts at the repository root), the tests
 * that need it are skipped only on a developer machine without it; with STORMWATCH_E2E=1
 * (as .ci/run sets) a missing redis-server fails them.
 */

/** The path of redis-server on PATH, or undefined. */
export function findRedisServer(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = dir && path.join(dir, 'redis-server');
    if (!file) continue;
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Whether the tests that need redis-server run (and, under STORMWATCH_E2E=1, fail without it). */
export const redisTestsRun = process.env.STORMWATCH_E2E === '1' || findRedisServer() !== undefined;

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts a fresh server (empty) on the same port. */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered. */
  freeze(): void;
  /** Lets a frozen server go on (SIGCONT). */
  thaw(): void;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Starts a redis-server on a free loopback port. */
export async function startRedis(): Promise<RedisServer> {
  const program = findRedisServer();
  if (program === undefined) throw new Error("redis-server not found on PATH: install Debian's redis-server (.ci/system-packages does)");
  const dir = await mkdtemp(path.join(tmpdir(), 'stormwatch-redis-'));
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await spawnRedis(program, port, dir);
    } catch (error) {
      if (attempt >= 5) throw error; // another program took the port between the probe and the start
    }
  }
  let current: ChildProcess | undefined = child;
  const stopChild = async (signal: NodeJS.Signals) => {
    const running = current;
    current = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGCONT');
    running.kill(signal);
    const timer = setTimeout(() => running.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill: () => stopChild('SIGKILL'),
    async restart() {
      await stopChild('SIGKILL');
      current = await spawnRedis(program, port, dir);
    },
    freeze: () => void current?.kill('SIGSTOP'),
    thaw: () => void current?.kill('SIGCONT'),
    async stop() {
      await stopChild('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function spawnRedis(program: string, port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(program, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server on port ${port} exited at start: ${output.trim()}`);
    if (await answersPing(port)) return child;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer PING within 10 s: ${output.trim()}`);
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

/** A loopback port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
