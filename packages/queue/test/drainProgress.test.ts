import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { VirtualClock } from '@stormwatch/core';
import { redisDeferrer } from '@stormwatch/redis';
import { findRedisServer, startRedisServer, type RedisServer } from '@stormwatch/redis/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainProgress, type ClaimedTask, type DrainOutcome } from '../src/index.js';
import { ensureBuilt } from './support/built.js';
import { task } from './support/queueFiles.js';

const claimed = { ...task(), id: 't', state: 'running', attempts: 1, nextRunAt: 0, updatedAt: 0, leaseToken: 'x', leaseUntil: 1 } as ClaimedTask;
const done: DrainOutcome = { task: claimed, outcome: 'drained', duplicate: false };
const failed: DrainOutcome = { task: claimed, outcome: 'failed', error: new Error('529'), retryAt: 5 };
const dead: DrainOutcome = { task: claimed, outcome: 'dead', reason: 'non_retryable' };
const released: DrainOutcome = { task: claimed, outcome: 'released' };

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (text: string) => void writes.push(text) } };
}

describe('drainProgress', () => {
  it('rewrites one line in place on a terminal, at most every ttyIntervalMs, and ends it on stop', async () => {
    const clock = new VirtualClock(0);
    const { writes, stream: tty } = stream(true);
    const progress = drainProgress({ stream: tty, clock, ttyIntervalMs: 200 });
    progress.onOutcome(done);
    await clock.advance(100);
    progress.onOutcome(done); // within 200 ms of the last line: counted, not drawn
    await clock.advance(150);
    progress.onOutcome(failed);
    await clock.advance(1_750);
    progress.onOutcome(dead);
    progress.onOutcome(released);
    progress.stop();
    progress.stop();
    expect(writes).toEqual([
      '\r\x1b[2Kdrain: 1 done, 0 failed, 0 dead, 0 released in 0 s',
      '\r\x1b[2Kdrain: 2 done, 1 failed, 0 dead, 0 released in 0 s (8.0/s)',
      '\r\x1b[2Kdrain: 2 done, 1 failed, 1 dead, 0 released in 2 s (1.0/s)',
      '\r\x1b[2Kdrain: 2 done, 1 failed, 1 dead, 1 released in 2 s (1.0/s)\n',
    ]);
  });

  it('writes plain lines off a terminal, at most every intervalMs and only when something changed', async () => {
    const clock = new VirtualClock(0);
    const { writes, stream: log } = stream(false);
    const progress = drainProgress({ stream: log, clock, intervalMs: 10_000, label: 'summaries' });
    for (let i = 0; i < 30; i++) {
      progress.onOutcome(done);
      await clock.advance(1_000);
    }
    progress.stop();
    expect(writes).toEqual([
      'summaries: 1 done, 0 failed, 0 dead, 0 released in 0 s\n',
      'summaries: 11 done, 0 failed, 0 dead, 0 released in 10 s (1.1/s)\n',
      'summaries: 21 done, 0 failed, 0 dead, 0 released in 20 s (1.1/s)\n',
      'summaries: 30 done, 0 failed, 0 dead, 0 released in 30 s (1.0/s)\n',
    ]);
    // Nothing drained at all: one line on stop, so the log says the drain ran.
    const empty = stream(false);
    drainProgress({ stream: empty.stream, clock }).stop();
    expect(empty.writes).toEqual(['drain: 0 done, 0 failed, 0 dead, 0 released in 0 s\n']);
  });

  it('refuses bad options, naming them', () => {
    expect(() => drainProgress({ intervalMs: 0 })).toThrow(new RangeError('drainProgress: intervalMs must be a positive number of milliseconds, got 0'));
    expect(() => drainProgress({ ttyIntervalMs: Number.NaN })).toThrow(new RangeError('drainProgress: ttyIntervalMs must be a positive number of milliseconds, got NaN'));
    expect(() => drainProgress({ stream: {} as never })).toThrow(new TypeError('drainProgress: stream must have write(), got [object Object]'));
  });
});

const redisTestsRun = process.env.STORMWATCH_E2E === '1' || findRedisServer() !== undefined;

describe.skipIf(!redisTestsRun)('drainProgress in a drain process against a real redis-server', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    ensureBuilt();
    redis = await startRedisServer();
  }, 120_000);
  afterAll(async () => {
    await redis?.stop();
  });

  it('prints periodic plain lines on a non-terminal stderr while it drains, and the final figures', async () => {
    const prefix = `progress:${randomUUID()}:`;
    const queue = redisDeferrer({ url: redis.url, prefix });
    for (let i = 0; i < 12; i++) await queue.defer(task({ callId: i + 1, deferredAt: Date.now() - 1_000 }));
    await queue.close();
    const child = fileURLToPath(new URL('./support/progressChild.ts', import.meta.url));
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(process.execPath, [child, JSON.stringify({ url: redis.url, prefix, taskMs: 100, intervalMs: 150 })], { timeout: 60_000 }, (error, out, err) =>
        error ? reject(Object.assign(error, { stderr: err })) : resolve({ stdout: out, stderr: err }),
      );
    });
    expect(JSON.parse(stdout)).toEqual({ drained: 12, failed: 0, dead: 0, released: 0 });
    const lines = stderr.trimEnd().split('\n');
    // 12 tasks of 100 ms, 2 at a time: about 600 ms, a line every 150 ms at most.
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.length).toBeLessThan(12);
    for (const line of lines) expect(line).toMatch(/^drain: \d+ done, 0 failed, 0 dead, 0 released in \d+ s( \(\d+\.\d\/s\))?$/);
    expect(lines.at(-1)).toMatch(/^drain: 12 done, /);
    expect(stderr).not.toContain('\r');
  }, 90_000);
});
