import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A private `redis-server` — Debian's, as users run it — for tests and local tools (the
 * storm lab's `--redis auto`): started on a free loopback port, persisting nothing (unless asked to), in a
 * directory of its own, stopped afterwards. Not what a fleet runs against (that is the
 * operator's Redis); what the project's tests, e2e suite and storm lab start, in one place.
 */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** SIGKILL: Redis gone at once, as a crash. */
  kill(): Promise<void>;
  /** Kills it and starts it again on the same port (its state is lost unless started with `persist`). */
  restart(): Promise<void>;
  /** SIGSTOP: Redis hangs (connections stay open, nothing is answered). */
  freeze(): void;
  /** SIGCONT after {@link freeze}. */
  thaw(): void;
  /** SIGTERM (SIGKILL after 3 s), and removes the directory it made. */
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** Where the server runs; a temporary directory (removed by `stop()`) when not given. */
  readonly dir?: string;
  /**
   * Its own process group, so a Ctrl-C at the terminal does not stop it under a run that is
   * still finishing its calls. Defaults to false.
   */
  readonly detached?: boolean;
  /**
   * Persist every write to an append-only file in `dir` (`appendonly yes`, `appendfsync
   * always`), so that `restart()` keeps the data, as an operator's Redis with AOF does.
   * Defaults to false: nothing is persisted, a restart starts empty.
   */
  readonly persist?: boolean;
}

/** How long a starting server has to answer `PING`, in ms. */
const START_TIMEOUT_MS = 10_000;

/** Every server started here, killed if this process exits first, and the temporary directories to remove then. */
const live = new Set<ChildProcess>();
const temporaryDirs = new Set<string>();
let exitHookInstalled = false;

/** The path of `redis-server` on PATH, or undefined. */
export function findRedisServer(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const file = path.join(dir, 'redis-server');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Starts a redis-server on a free loopback port; resolves once it answers `PING`.
 *
 * @throws Error when `redis-server` is not on PATH, or does not start within 10 s.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const program = findRedisServer();
  if (program === undefined) throw new Error("redis-server not found on PATH: install Debian's redis-server (apt-get install redis-server)");
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'stormwatch-redis-')));
  mkdirSync(dir, { recursive: true });
  if (ownDir) temporaryDirs.add(dir);
  const detached = options.detached ?? false;
  const persist = options.persist ?? false;
  let child: ChildProcess | undefined;
  let port = 0;
  try {
    for (let attempt = 1; child === undefined; attempt++) {
      port = await freePort();
      try {
        child = await spawnRedis(program, port, dir, detached, persist);
      } catch (error) {
        if (attempt >= 5) throw error; // another program took the port between the probe and the start
      }
    }
  } catch (error) {
    if (ownDir) await removeDir(dir);
    throw error;
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
      current = await spawnRedis(program, port, dir, detached, persist);
    },
    freeze: () => void current?.kill('SIGSTOP'),
    thaw: () => void current?.kill('SIGCONT'),
    async stop() {
      await stopChild('SIGTERM');
      if (ownDir) await removeDir(dir);
    },
  };
}

async function spawnRedis(program: string, port: number, dir: string, detached: boolean, persist: boolean): Promise<ChildProcess> {
  const aof = persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...aof, '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'];
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], detached });
  track(child);
  let output = '';
  const keep = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-2000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server on port ${port} exited at start: ${output.trim()}`);
    if (await answersPing(port)) return child;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer PING within ${START_TIMEOUT_MS / 1000} s: ${output.trim()}`);
}

/** Kills the server if this process exits while it runs (a test or a run that crashed). */
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const running of live) running.kill('SIGKILL');
    for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
  });
}

async function removeDir(dir: string): Promise<void> {
  temporaryDirs.delete(dir);
  await rm(dir, { recursive: true, force: true });
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
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
