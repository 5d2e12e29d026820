/**
 * Deferral into Redis through the real SDK: `resilient()` against the fake API defers into a
 * RedisDeferrer on a real redis-server while the API answers 529, then a drain through the
 * same client runs every task once when it answers again — the fleet's queue, as
 * test/anthropic.test.ts checks the SQLite one.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import { resilient } from '@stormwatch/anthropic';
import { isCallDeferredError, VirtualClock, type CallDeferredError } from '@stormwatch/core';
import { FakeAnthropic, ok, overloaded } from '@stormwatch/fake-anthropic';
import { redisDeferrer, type RedisDeferrer } from '@stormwatch/redis';
import { findRedisServer, startRedisServer, type RedisServer } from '@stormwatch/redis/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { drainDeferred } from '../src/index.js';
import { drive } from './support/drive.js';
import { opus } from './support/queueFiles.js';

/** As the Redis package's tests: skipped only on a machine without redis-server, unless STORMWATCH_E2E=1. */
const redisTestsRun = process.env.STORMWATCH_E2E === '1' || findRedisServer() !== undefined;
const HOUR = 3_600_000;
const body = (i: number): MessageCreateParamsNonStreaming => ({ model: opus, max_tokens: 64, messages: [{ role: 'user', content: `Summarise report ${i}` }] });

describe.skipIf(!redisTestsRun)('deferral into Redis through resilient() and the drain, with the real SDK', () => {
  let redis: RedisServer;
  // Every write goes to the append-only file, in plain text: what the queue ever stored can be read back.
  const dir = mkdtempSync(path.join(tmpdir(), 'stormwatch-queue-aof-'));
  let server: FakeAnthropic | undefined;
  let queue: RedisDeferrer | undefined;
  beforeAll(async () => {
    redis = await startRedisServer({ dir, persist: true });
  }, 120_000);
  afterEach(async () => {
    await server?.close();
    await queue?.close();
    server = queue = undefined;
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('defers calls while the API answers 529, then drains each once when it answers 200; no key stored in Redis', async () => {
    const clock = new VirtualClock();
    const prefix = `anthropic:${randomUUID()}:`;
    queue = redisDeferrer({ url: redis.url, prefix, clock });
    server = await FakeAnthropic.start({ otherwise: overloaded() });
    const client = resilient(new Anthropic({ baseURL: server.url, apiKey: 'sk-ant-test-secret' }), {
      policy: 'batch-redis',
      policyOptions: { clock, random: () => 0.5, abandon: { deferrer: queue } },
    });
    const n = 5;
    const calls = Array.from({ length: n }, (_, i) => client.messages.create(body(i), { defer: true, deadlineMs: HOUR }));
    const settled = await drive(clock, client.policy, Promise.allSettled(calls));
    const errors = settled.map((s) => (s.status === 'rejected' ? s.reason : s.value));
    expect(errors.every(isCallDeferredError)).toBe(true);
    const receipts = (errors as CallDeferredError[]).map((e) => e.receipt.id);
    expect(await queue.counts()).toEqual({ pending: n, running: 0, done: 0, failed: 0, dead: 0 });
    expect((await queue.list()).map((t) => t.payload).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(Array.from({ length: n }, (_, i) => body(i)));

    const sentAt: number[] = [];
    server.otherwise(() => {
      sentAt.push(clock.now());
      return ok({ text: 'summary' });
    });
    const handled: string[] = [];
    const q = queue;
    const summary = await drive(
      clock,
      client.policy,
      drainDeferred(
        q,
        async (task, { signal, remainingMs }) => {
          await client.messages.create(task.payload as MessageCreateParamsNonStreaming, { signal, deadlineMs: remainingMs });
          handled.push(task.id);
        },
        { stopWhenIdle: true },
      ),
    );
    expect(summary).toEqual({ drained: n, failed: 0, dead: 0, released: 0 });
    expect(handled.sort()).toEqual([...receipts].sort());
    expect(await q.counts()).toEqual({ pending: 0, running: 0, done: n, failed: 0, dead: 0 });
    expect(server.counts()).toEqual({ '200': n, '529': n });
    // Paced by what admission learned from the 529s, not one burst.
    expect(sentAt.slice(1).every((at, i) => at > sentAt[i]!)).toBe(true);

    // Nothing secret in Redis: every write it took, in its append-only file(s).
    const written = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.aof'))
      .map((f) => readFileSync(path.join(dir, f), 'latin1'))
      .join('\n');
    expect(written).toContain('Summarise report 0'); // the check can see what was written
    expect(written).not.toContain('sk-ant-test-secret');
  });
});
