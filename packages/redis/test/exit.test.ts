import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './support/built.js';
import { redisTestsRun, startRedis, type RedisServer } from './support/redisServer.js';

const childScript = fileURLToPath(new URL('./support/forgetfulChild.ts', import.meta.url));
/** Generous: the child does its work in well under a second, and exits at once after it. */
const EXIT_WITHIN_MS = 15_000;

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The JSON lines the child printed (and "shared"), in order. */
  readonly lines: unknown[];
  readonly stderr: string;
}

/**
 * Runs the child, which never calls close(); resolves when it exits by itself, or rejects
 * (and kills it) if it is still running after {@link EXIT_WITHIN_MS}. `onLine` sees each line as it comes.
 */
function runChild(options: { url: string; kind: 'store' | 'deferrer'; untilLost?: boolean }, onLine: (line: unknown) => void = () => {}): Promise<Exit> {
  const child = spawn(process.execPath, [childScript, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: unknown[] = [];
  let pending = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    for (let at = pending.indexOf('\n'); at >= 0; at = pending.indexOf('\n')) {
      const text = pending.slice(0, at);
      pending = pending.slice(at + 1);
      const line: unknown = text === 'shared' ? text : JSON.parse(text);
      lines.push(line);
      onLine(line);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<Exit>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the child was still running ${EXIT_WITHIN_MS} ms after it started (printed ${JSON.stringify(lines)}; stderr: ${stderr})`));
    }, EXIT_WITHIN_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, lines, stderr });
    });
  });
}

/** A loopback port nothing listens on (one the system just handed out and took back). */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// A library must not keep a service's process alive by itself: a process that made a store
// and forgot close() ends when its own work ends, whatever state the connection is in.
describe.skipIf(!redisTestsRun)('a process that never closes its store', () => {
  let server: RedisServer;
  beforeAll(async () => {
    ensureBuilt();
    server = await startRedis();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('exits by itself while connected to Redis (idle)', async () => {
    const exit = await runChild({ url: server.url, kind: 'store' });
    expect(exit).toMatchObject({ code: 0, signal: null, lines: [{ sharing: true, localAnswers: {} }] });
  });

  it('exits by itself while Redis is unreachable (node-redis reconnecting)', async () => {
    const exit = await runChild({ url: `redis://127.0.0.1:${await deadPort()}`, kind: 'store' });
    expect(exit).toMatchObject({ code: 0, signal: null, lines: [{ sharing: false, localAnswers: { connection: 1 } }] });
  });

  it('exits by itself after Redis went away under it (reconnecting)', async () => {
    const own = await startRedis();
    try {
      const exit = await runChild({ url: own.url, kind: 'store', untilLost: true }, (line) => {
        if (line === 'shared') void own.kill();
      });
      expect(exit).toMatchObject({ code: 0, signal: null });
      expect(exit.lines.slice(0, 2)).toEqual([{ sharing: true, localAnswers: {} }, 'shared']);
      expect(exit.lines[2]).toMatchObject({ sharing: false });
    } finally {
      await own.stop();
    }
  });

  it('exits by itself with a deferrer whose Redis is unreachable, or reachable', async () => {
    const down = await runChild({ url: `redis://127.0.0.1:${await deadPort()}`, kind: 'deferrer' });
    expect(down).toMatchObject({ code: 0, signal: null, lines: [{ problem: 'connection' }] });
    const up = await runChild({ url: server.url, kind: 'deferrer' });
    expect(up).toMatchObject({ code: 0, signal: null, lines: [{ counts: expect.any(Object) }] });
  });
});
