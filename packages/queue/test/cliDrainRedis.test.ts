import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { redisDeferrer, type RedisDeferrer } from '@stormwatch/redis';
import { findRedisServer, startRedisServer, type RedisServer } from '@stormwatch/redis/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './support/built.js';
import { fixture, handledLines, runCli, startCli, timesHandled, waitUntil } from './support/cliChild.js';
import { opus, task, useTempDir } from './support/queueFiles.js';

/** As the Redis package's tests: skipped only on a machine without redis-server, unless STORMWATCH_E2E=1. */
const redisTestsRun = process.env.STORMWATCH_E2E === '1' || findRedisServer() !== undefined;
const { queuePath } = useTempDir();

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Does the drain hold (`running`) a task whose handler has not done its work yet? Then a stop has something to release. */
async function holdsUnhandled(queue: RedisDeferrer, log: string): Promise<boolean> {
  const handled = new Set(handledLines(log).map((line) => line.split(' ')[0]));
  return (await queue.list({ state: 'running', limit: 100 })).some((t) => !handled.has(t.id));
}

describe.skipIf(!redisTestsRun)('stormwatch-queue drain --redis, the built CLI against a real redis-server', () => {
  let redis: RedisServer;
  const open: RedisDeferrer[] = [];
  beforeAll(async () => {
    ensureBuilt();
    redis = await startRedisServer();
  }, 120_000);
  afterEach(async () => {
    await Promise.all(open.splice(0).map((q) => q.close()));
  });
  afterAll(async () => {
    await redis?.stop();
  });

  /** A Redis queue under a prefix of its own with `n` pending tasks, due now; the prompt of task i is `summary i`. */
  async function queueWith(n: number) {
    const prefix = `drain:${randomUUID()}:`;
    const queue = redisDeferrer({ url: redis.url, prefix });
    open.push(queue);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      ids.push((await queue.defer(task({ callId: i, deferredAt: Date.now() - 1_000, payload: { model: opus, max_tokens: 64, messages: [{ role: 'user', content: `summary ${i}` }] } }))).id);
    }
    return { queue, prefix, ids };
  }

  it('runs every task exactly once through the handler module, with the progress line on stderr', async () => {
    const { queue, prefix, ids } = await queueWith(12);
    const log = queuePath('handled.log');
    const end = await runCli(['drain', '--redis', redis.url, '--prefix', prefix, '--handler', fixture('recordingHandler.mjs'), '--concurrency', '3', '--stop-when-idle', '--json'], {
      env: { HANDLER_LOG: log, HANDLER_TASK_MS: '5' },
    });
    expect(end).toMatchObject({ code: 0, signal: null });
    expect(JSON.parse(end.stdout)).toEqual({ drained: 12, failed: 0, dead: 0, released: 0 });
    expect(end.stderr).toMatch(/^drain: 1 done, 0 failed, 0 dead, 0 released in \d+ s/);
    expect(end.stderr.trimEnd().split('\n').at(-1)).toMatch(/^drain: 12 done, 0 failed, 0 dead, 0 released in \d+ s \(\d+\.\d\/s\)$/);
    expect(handledLines(log).sort()).toEqual(ids.map((id, i) => `${id} summary ${i}`).sort());
    expect(await queue.counts()).toEqual({ pending: 0, running: 0, done: 12, failed: 0, dead: 0 });
  }, 60_000);

  it('on SIGTERM mid-drain gives back what it holds, and a second run completes the rest, each task once', async () => {
    const n = 24;
    const { queue, prefix, ids } = await queueWith(n);
    const log = queuePath('handled.log');
    const args = ['drain', '--redis', redis.url, '--prefix', prefix, '--handler', fixture('recordingHandler.mjs'), '--concurrency', '3', '--json'];
    const first = startCli(args, { env: { HANDLER_LOG: log, HANDLER_TASK_MS: '150' } });
    await waitUntil(() => handledLines(log).length >= 6 && holdsUnhandled(queue, log), 'six tasks handled, and one held whose work is not done');
    first.child.kill('SIGTERM');
    const end = await first.exit;
    expect(end).toMatchObject({ code: 0, signal: null });
    const doneFirst = handledLines(log).length;
    const summary = JSON.parse(end.stdout) as { released: number };
    expect(summary).toEqual({ drained: doneFirst, failed: 0, dead: 0, released: summary.released });
    expect(summary.released).toBeGreaterThan(0);
    expect(end.stderr).toContain('stormwatch-queue: SIGTERM: stopping');
    expect(await queue.counts()).toEqual({ pending: n - doneFirst, running: 0, done: doneFirst, failed: 0, dead: 0 });

    const second = await runCli([...args, '--stop-when-idle'], { env: { HANDLER_LOG: log } });
    expect(second).toMatchObject({ code: 0 });
    expect(JSON.parse(second.stdout)).toEqual({ drained: n - doneFirst, failed: 0, dead: 0, released: 0 });
    const times = timesHandled(handledLines(log));
    expect(new Set(times.keys())).toEqual(new Set(ids));
    expect([...times.values()].every((count) => count === 1)).toBe(true);
    expect(await queue.counts()).toEqual({ pending: 0, running: 0, done: n, failed: 0, dead: 0 });
  }, 60_000);

  it('exits 1 with the queue\'s error when Redis goes away mid-drain; nothing is lost, and a run after it is back completes every task', async () => {
    // A Redis of its own that keeps its data across a crash (append-only file), as an operator's does.
    const own = await startRedisServer({ persist: true });
    try {
      const n = 12;
      const prefix = `gone:${randomUUID()}:`;
      const setup = redisDeferrer({ url: own.url, prefix });
      const ids: string[] = [];
      for (let i = 0; i < n; i++) ids.push((await setup.defer(task({ callId: i, deferredAt: Date.now() - 1_000, payload: { model: opus, max_tokens: 64, messages: [{ role: 'user', content: `summary ${i}` }] } }))).id);
      const log = queuePath('handled.log');
      const args = ['drain', '--redis', own.url, '--prefix', prefix, '--handler', fixture('recordingHandler.mjs'), '--concurrency', '3', '--lease-ms', '1000', '--json'];
      const first = startCli(args, { env: { HANDLER_LOG: log, HANDLER_TASK_MS: '200' } });
      await waitUntil(async () => handledLines(log).length >= 3 && (await holdsUnhandled(setup, log)), 'three tasks handled, and one held whose work is not done');
      await setup.close();
      await own.kill();
      const end = await first.exit;
      expect(end).toMatchObject({ code: 1, signal: null, stdout: '' });
      expect(end.stderr).toMatch(/\nstormwatch-queue: Redis deferrer: \w+ failed \((connection|timeout)\): [^\n]+\nstormwatch-queue: the drain stopped; run it again once the queue is back \(the tasks it held return to pending when their lease expires\)\n$/);
      const handledBefore = new Set(handledLines(log).map((line) => line.split(' ')[0]));

      await own.restart();
      const queue = redisDeferrer({ url: own.url, prefix });
      open.push(queue);
      const counts = await queue.counts();
      expect(counts.pending + counts.running + counts.done).toBe(n); // nothing lost
      expect(counts.done).toBeLessThan(n);
      // The tasks it held when Redis went: leased (1 s), then due again.
      const held = (await queue.list({ state: 'running', limit: n })).map((t) => t.id);
      await waitUntil(async () => (await queue.list({ state: 'running', limit: n })).every((t) => (t.leaseUntil ?? 0) < Date.now()), 'the leases of the lost drain to expire', 10_000);

      const second = await runCli([...args, '--stop-when-idle'], { env: { HANDLER_LOG: log } });
      expect(second).toMatchObject({ code: 0 });
      expect(JSON.parse(second.stdout)).toEqual({ drained: n - counts.done, failed: 0, dead: 0, released: 0 });
      expect(await queue.counts()).toEqual({ pending: 0, running: 0, done: n, failed: 0, dead: 0 });
      const times = timesHandled(handledLines(log));
      expect(new Set(times.keys())).toEqual(new Set(ids));
      // At least once: only a task whose work was done but not marked done when Redis went ran twice.
      const twice = [...times].filter(([, count]) => count > 1).map(([id]) => id);
      for (const id of twice) expect(held.includes(id) && handledBefore.has(id)).toBe(true);
    } finally {
      await own.stop();
    }
  }, 90_000);

  it('says clearly when Redis cannot be reached, without the password, and exits 1', async () => {
    const port = await closedPort();
    const log = queuePath('handled.log');
    const end = await runCli(['drain', '--redis', `redis://:s3cret-pass@127.0.0.1:${port}`, '--handler', fixture('recordingHandler.mjs'), '--stop-when-idle'], { env: { HANDLER_LOG: log } });
    expect(end).toMatchObject({ code: 1, stdout: '' });
    expect(end.stderr).toMatch(/^(drain: .*\n)?stormwatch-queue: Redis deferrer: \w+ failed \((connection|timeout)\): /);
    expect(end.stderr).not.toContain('s3cret-pass');
    expect(handledLines(log)).toEqual([]);
  }, 60_000);
});
