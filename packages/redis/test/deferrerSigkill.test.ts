import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisDeferrer } from '../src/index.js';
import { task } from '../../queue/test/support/queueFiles.js';
import { ensureBuilt } from './support/built.js';
import { redisTestsRun, startRedis, type RedisServer } from './support/redisServer.js';

const childScript = fileURLToPath(new URL('./support/drainChild.ts', import.meta.url));
const LEASE_MS = 60_000;

type Exit = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

function startDrain(options: { url: string; prefix: string; log: string; beforeRecordMs: number; afterRecordMs: number; aheadMs: number }): { child: ChildProcess; exit: Promise<Exit> } {
  const child = spawn(process.execPath, [childScript, JSON.stringify({ ...options, concurrency: 4, leaseMs: LEASE_MS })], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, exit };
}

const lines = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);

// The queue package's SIGKILL test (packages/queue/test/sigkill.test.ts), on Redis: the drain
// is a child process on the built packages, killed while it holds leases.
describe.skipIf(!redisTestsRun)('a Redis drain killed with SIGKILL', () => {
  let server: RedisServer;
  let dir: string;
  beforeAll(async () => {
    ensureBuilt();
    server = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'stormwatch-redis-sigkill-'));
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loses no task: a new process completes every one, exactly once per idempotency key', async () => {
    const n = 40;
    const prefix = `sigkill:${randomUUID()}:`;
    const log = join(dir, 'handled.log');
    const open = () => redisDeferrer({ url: server.url, prefix });
    const setup = open();
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await setup.defer(task({ callId: i, deferredAt: Date.now() - 1_000 }))).id);
    await setup.close();

    // Killed once it has handled a quarter of the tasks, while it holds a task whose work is
    // done (its line is in the log) but not yet marked done.
    const first = startDrain({ url: server.url, prefix, log, beforeRecordMs: 5, afterRecordMs: 200, aheadMs: 0 });
    const watch = open();
    const workDoneNotMarked = async () => {
      const logged = new Set(lines(log));
      return logged.size >= n / 4 && (await watch.list({ state: 'running', limit: n })).some((t) => logged.has(t.id));
    };
    const giveUpAt = Date.now() + 15_000;
    while (!(await workDoneNotMarked())) {
      if (Date.now() > giveUpAt) throw new Error(`the first drain handled ${lines(log).length} tasks in 15 s; stderr: ${await first.exit.then((e) => e.stderr)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    first.child.kill('SIGKILL');
    expect(await first.exit).toMatchObject({ code: null, signal: 'SIGKILL' });

    const loggedAtKill = new Set(lines(log));
    const counts = await watch.counts();
    const heldByTheDead = (await watch.list({ state: 'running', limit: n })).map((t) => t.id);
    expect(counts.done).toBeLessThan(n);
    expect(counts.running).toBeGreaterThan(0); // killed mid-drain: it held leases
    expect(counts.done + counts.running + counts.pending).toBe(n);
    const doneButNotMarked = heldByTheDead.filter((id) => loggedAtKill.has(id));
    expect(doneButNotMarked.length).toBeGreaterThan(0);

    // A later process: its clock is one lease ahead, so the dead process's leases have expired.
    const second = startDrain({ url: server.url, prefix, log, beforeRecordMs: 0, afterRecordMs: 0, aheadMs: LEASE_MS + 1_000 });
    const end = await second.exit;
    expect(end).toMatchObject({ code: 0, signal: null, stderr: '' });
    expect(JSON.parse(end.stdout)).toEqual({ drained: n - counts.done, failed: 0, dead: 0, released: 0 });

    const handled = lines(log);
    expect(new Set(handled)).toEqual(new Set(ids)); // nothing lost
    const times = new Map<string, number>();
    for (const id of handled) times.set(id, (times.get(id) ?? 0) + 1);
    const twice = [...times].filter(([, count]) => count > 1).map(([id]) => id);
    // At least once: exactly the tasks killed between their work and `complete` ran twice; every other ran once.
    expect(twice.sort()).toEqual(doneButNotMarked.sort());
    expect([...times.values()].every((count) => count <= 2)).toBe(true);
    expect(await watch.counts()).toEqual({ pending: 0, running: 0, done: n, failed: 0, dead: 0 });
    await watch.close();
  }, 60_000);
});
