import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { redisDeferrer, type RedisDeferrer } from '@stormwatch/redis';
import { findRedisServer, startRedisServer, type RedisServer } from '@stormwatch/redis/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './support/built.js';
import { opus, task } from './support/queueFiles.js';

/** As the Redis package's tests: skipped only on a machine without redis-server, unless STORMWATCH_E2E=1. */
const redisTestsRun = process.env.STORMWATCH_E2E === '1' || findRedisServer() !== undefined;
const bin = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
/** When the fixture's tasks were deferred: 30 s ago (the CLI reads the system clock). */
const AT = Date.now() - 30_000;

/** Runs the built CLI in a child process, as a user would; what it printed and its exit status. */
function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.skipIf(!redisTestsRun)('stormwatch-queue --redis, the built CLI against a real redis-server', () => {
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

  /** A Redis queue under a prefix of its own with one pending, one done and two dead tasks. */
  async function fixture() {
    const prefix = `cli:${randomUUID()}:`;
    const queue = redisDeferrer({ url: redis.url, prefix });
    open.push(queue);
    const [pending, done, dead, dead2] = [
      await queue.defer(task({ callId: 1, deferredAt: AT + 4 })),
      await queue.defer(task({ callId: 2, deferredAt: AT + 1 })),
      await queue.defer(task({ callId: 3, deferredAt: AT + 2 })),
      await queue.defer(task({ callId: 4, deferredAt: AT + 3 })),
    ].map((r) => r.id);
    const claimed = await queue.claim(3, 60_000);
    await queue.complete(done!);
    await queue.fail(dead!, 'BadRequestError: 400 prompt is too long', { dead: 'non_retryable' }, claimed.find((t) => t.id === dead));
    await queue.fail(dead2!, 'not run: deadline_passed', { dead: 'deadline_passed' }, claimed.find((t) => t.id === dead2));
    return { queue, prefix, ids: { pending: pending!, done: done!, dead: dead!, dead2: dead2! } };
  }

  it('counts and lists the tasks of the queue under --prefix', async () => {
    const { prefix, ids } = await fixture();
    const counts = await cli('counts', '--redis', redis.url, '--prefix', prefix);
    expect(counts).toEqual({ status: 0, stdout: expect.stringMatching(/^pending 1 {2}running 0 {2}done 1 {2}failed 0 {2}dead 2 {2}\(oldest still to do: 3\d s\)\n$/), stderr: '' });
    const list = await cli('list', '--redis', redis.url, '--prefix', prefix, '--state', 'dead');
    expect(list.status).toBe(0);
    expect(list.stdout.split('\n')).toEqual([
      `${ids.dead}  dead     attempts 1  ${opus}  deferred ${new Date(AT + 2).toISOString()}  non_retryable: BadRequestError: 400 prompt is too long`,
      `${ids.dead2}  dead     attempts 1  ${opus}  deferred ${new Date(AT + 3).toISOString()}  deadline_passed: not run: deadline_passed`,
      '',
    ]);
    const json = await cli('list', '--redis', redis.url, '--prefix', prefix, '--json', '--limit', '1');
    // In the order they were deferred (Redis keeps the order of defer() calls).
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ id: ids.pending, state: 'pending', payload: task().payload })]);
    // Another prefix is another queue: empty.
    expect((await cli('counts', '--redis', redis.url, '--prefix', `other:${randomUUID()}:`, '--json')).stdout).toBe('{"counts":{"pending":0,"running":0,"done":0,"failed":0,"dead":0},"oldestPendingAgeMs":null}\n');
  }, 60_000);

  it('retries dead tasks and purges a state, as with --path', async () => {
    const { queue, prefix, ids } = await fixture();
    expect(await cli('retry', ids.dead, '--redis', redis.url, '--prefix', prefix)).toEqual({ status: 0, stdout: `retried ${ids.dead}\n`, stderr: '' });
    expect(await cli('retry', ids.done, '--redis', redis.url, '--prefix', prefix)).toEqual({ status: 1, stdout: '', stderr: `stormwatch-queue: not retried: ${ids.done} is done (only dead or failed tasks are)\n` });
    expect(await cli('retry', 'nope', '--redis', redis.url, '--prefix', prefix)).toEqual({ status: 1, stdout: '', stderr: 'stormwatch-queue: no task "nope" in the queue\n' });
    expect(await cli('retry', '--dead', '--redis', redis.url, '--prefix', prefix)).toEqual({ status: 0, stdout: `retried ${ids.dead2}\n`, stderr: '' });
    expect(await queue.counts()).toMatchObject({ pending: 3, dead: 0, done: 1 });
    expect(await cli('purge', '--state', 'done', '--redis', redis.url, '--prefix', prefix)).toEqual({ status: 0, stdout: 'purged 1 done task(s)\n', stderr: '' });
    expect(await queue.get(ids.done)).toBeUndefined();
  }, 60_000);

  it('says clearly when Redis cannot be reached, without the password, and exits 1', async () => {
    const port = await closedPort();
    const result = await cli('counts', '--redis', `redis://:s3cret-pass@127.0.0.1:${port}`);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^stormwatch-queue: Redis deferrer: \w+ failed \((connection|timeout)\): /);
    expect(result.stderr).not.toContain('s3cret-pass');
  }, 60_000);

  it('refuses a malformed URL with exit status 1, naming it', async () => {
    const result = await cli('counts', '--redis', 'http://127.0.0.1:6379');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^stormwatch-queue: redisDeferrer: .*url/i);
  }, 60_000);
});
