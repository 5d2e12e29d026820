import { DatabaseSync } from 'node:sqlite';
import { VirtualClock } from '@stormwatch/core';
import { afterEach, describe, expect, it } from 'vitest';
import { isTaskNotFoundError, sqliteDeferrer, type SqliteDeferrer } from '../src/index.js';
import { opus, task, useTempDir } from './support/queueFiles.js';

const { queuePath } = useTempDir();
const open: SqliteDeferrer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((q) => q.close()));
});

function setup(options: { maxPayloadBytes?: number } = {}) {
  const clock = new VirtualClock(1_000);
  const queue = sqliteDeferrer({ path: queuePath(), clock, ...options });
  open.push(queue);
  return { clock, queue };
}

const rejection = async (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe('SqliteDeferrer: the state machine', () => {
  it('stores a deferred call pending, due at once, under a UUID', async () => {
    const { queue } = setup();
    const receipt = await queue.defer(task({ callId: 7, deferredAt: 900, deadlineAt: 3_600_900 }));
    expect(receipt).toEqual({ id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/), deferredAt: 900 });
    expect(await queue.get(receipt.id)).toEqual({
      id: receipt.id,
      state: 'pending',
      callId: 7,
      policy: 'batch',
      model: opus,
      reason: 'overloaded_error',
      payload: task().payload,
      deferredAt: 900,
      deadlineAt: 3_600_900,
      attempts: 0,
      nextRunAt: 900,
      updatedAt: 1_000,
    });
    expect(await queue.counts()).toEqual({ pending: 1, running: 0, done: 0, failed: 0, dead: 0 });
  });

  it('claims due tasks, oldest first, up to the limit, each under its own lease', async () => {
    const { queue } = setup();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await queue.defer(task({ callId: i, deferredAt: 100 + i }))).id);
    const claimed = await queue.claim(2, 30_000);
    expect(claimed.map((t) => [t.id, t.state, t.attempts, t.leaseUntil])).toEqual([
      [ids[0], 'running', 1, 31_000],
      [ids[1], 'running', 1, 31_000],
    ]);
    expect(claimed[0]!.leaseToken).toMatch(/^[0-9a-f]{32}$/);
    expect(claimed[0]!.leaseToken).not.toBe(claimed[1]!.leaseToken);
    expect((await queue.claim(5, 30_000)).map((t) => t.id)).toEqual([ids[2]]);
    expect(await queue.claim(5, 30_000)).toEqual([]);
    expect(await queue.counts()).toMatchObject({ pending: 0, running: 3 });
  });

  it('does not claim a task deferred for later than now', async () => {
    const { clock, queue } = setup();
    await queue.defer(task({ deferredAt: 5_000 }));
    expect(await queue.claim(1, 1_000)).toEqual([]);
    expect(await queue.nextDueAt()).toBe(5_000);
    await clock.advance(4_000);
    expect(await queue.claim(1, 1_000)).toHaveLength(1);
  });

  it('completes a running task: done, its lease gone', async () => {
    const { queue } = setup();
    const { id } = await queue.defer(task());
    await queue.claim(1, 1_000);
    expect(await queue.complete(id)).toBe(true);
    expect(await queue.get(id)).toMatchObject({ state: 'done', attempts: 1 });
    expect((await queue.get(id))?.leaseUntil).toBeUndefined();
    expect(await queue.complete(id)).toBe(false); // already done: a duplicate run
    expect(await queue.claim(1, 1_000)).toEqual([]);
  });

  it('fails a task to be retried later: failed, due at retryAt, then claimable again', async () => {
    const { clock, queue } = setup();
    const { id } = await queue.defer(task());
    const [claimed] = await queue.claim(1, 1_000);
    expect(await queue.fail(id, Object.assign(new Error('529 overloaded'), { name: 'InternalServerError' }), { retryAt: 6_000 }, claimed)).toBe(true);
    expect(await queue.get(id)).toMatchObject({ state: 'failed', attempts: 1, nextRunAt: 6_000, lastError: 'InternalServerError: 529 overloaded' });
    expect(await queue.claim(1, 1_000)).toEqual([]);
    await clock.advance(5_000);
    expect(await queue.claim(1, 1_000)).toMatchObject([{ id, attempts: 2, lastError: 'InternalServerError: 529 overloaded' }]);
  });

  it('fails a task to dead: kept with its reason, never claimed, back to pending by hand', async () => {
    const { clock, queue } = setup();
    const { id } = await queue.defer(task());
    await queue.claim(1, 1_000);
    expect(await queue.fail(id, 'BadRequestError: 400 bad', { dead: 'non_retryable' })).toBe(true);
    expect(await queue.get(id)).toMatchObject({ state: 'dead', deadReason: 'non_retryable', lastError: 'BadRequestError: 400 bad' });
    await clock.advance(3_600_000);
    expect(await queue.claim(1, 1_000)).toEqual([]);
    expect(await queue.list({ state: 'dead' })).toMatchObject([{ id }]);

    expect(await queue.retry(id)).toBe(true);
    const back = await queue.get(id);
    expect(back).toMatchObject({ state: 'pending', attempts: 0, nextRunAt: clock.now(), lastError: 'BadRequestError: 400 bad' });
    expect(back?.deadReason).toBeUndefined();
    expect(await queue.claim(1, 1_000)).toMatchObject([{ id, attempts: 1 }]);
  });

  it('retries by hand only a dead or failed task', async () => {
    const { queue } = setup();
    const { id } = await queue.defer(task());
    expect(await queue.retry(id)).toBe(false);
    await queue.claim(1, 1_000);
    expect(await queue.retry(id)).toBe(false);
    await queue.complete(id);
    expect(await queue.retry(id)).toBe(false);
  });

  it('releases a task back to pending without counting the attempt', async () => {
    const { queue } = setup();
    const { id } = await queue.defer(task());
    const [claimed] = await queue.claim(1, 1_000);
    expect(await queue.release(id, claimed!)).toBe(true);
    expect(await queue.get(id)).toMatchObject({ state: 'pending', attempts: 0 });
    expect(await queue.release(id, claimed!)).toBe(false);
  });

  it('extends a held lease, and not a lease another claim holds', async () => {
    const { clock, queue } = setup();
    const { id } = await queue.defer(task());
    const [first] = await queue.claim(1, 1_000);
    await clock.advance(900);
    expect(await queue.extend(id, first!, 1_000)).toBe(true);
    expect(await queue.get(id)).toMatchObject({ leaseUntil: 2_900 });
    await clock.advance(999);
    expect(await queue.claim(1, 1_000)).toEqual([]); // still held at 2 899: the lease was extended to 2 900
    await clock.advance(1);
    const [second] = await queue.claim(1, 1_000);
    expect(second?.id).toBe(id);
    expect(await queue.extend(id, first!, 1_000)).toBe(false);
  });

  it('ignores a failure reported under a lease another claim holds now', async () => {
    const { clock, queue } = setup();
    const { id } = await queue.defer(task());
    const [first] = await queue.claim(1, 1_000);
    await clock.advance(1_000);
    const [second] = await queue.claim(1, 1_000);
    expect(await queue.fail(id, 'late', { retryAt: 0 }, first)).toBe(false);
    expect(await queue.release(id, first!)).toBe(false);
    expect(await queue.get(id)).toMatchObject({ state: 'running', attempts: 2, leaseUntil: second!.leaseUntil });
    expect(await queue.fail(id, 'now', { retryAt: 0 }, second)).toBe(true);
  });

  it('does not fail a task that is not running', async () => {
    const { queue } = setup();
    const { id } = await queue.defer(task());
    expect(await queue.fail(id, 'x', { dead: 'manual' })).toBe(false);
    expect(await queue.get(id)).toMatchObject({ state: 'pending' });
  });

  it('rejects an unknown id with TaskNotFoundError', async () => {
    const { queue } = setup();
    for (const call of [queue.complete('nope'), queue.fail('nope', 'x', { retryAt: 0 }), queue.retry('nope'), queue.release('nope', { leaseToken: 'x' }), queue.extend('nope', { leaseToken: 'x' }, 1)]) {
      const error = await rejection(call);
      expect(isTaskNotFoundError(error)).toBe(true);
      expect(error).toMatchObject({ id: 'nope', message: 'no task "nope" in the queue' });
    }
    expect(await queue.get('nope')).toBeUndefined();
  });

  it('lists, counts and ages the queue', async () => {
    const { clock, queue } = setup();
    expect(await queue.oldestPendingAgeMs()).toBeUndefined();
    expect(await queue.nextDueAt()).toBeUndefined();
    const a = await queue.defer(task({ callId: 1, deferredAt: 200 }));
    const b = await queue.defer(task({ callId: 2, deferredAt: 400 }));
    const c = await queue.defer(task({ callId: 3, deferredAt: 600 }));
    await queue.claim(1, 1_000);
    await queue.complete(a.id);
    expect(await queue.counts()).toEqual({ pending: 2, running: 0, done: 1, failed: 0, dead: 0 });
    expect(await queue.oldestPendingAgeMs()).toBe(600); // b, deferred at 400; the clock reads 1 000
    await clock.advance(500);
    expect(await queue.oldestPendingAgeMs()).toBe(1_100);
    expect((await queue.list()).map((t) => t.id)).toEqual([a.id, b.id, c.id]);
    expect((await queue.list({ state: 'pending', limit: 1 })).map((t) => t.id)).toEqual([b.id]);
    expect(await queue.list({ state: 'dead' })).toEqual([]);
  });

  it('purges the tasks of one state, never running ones', async () => {
    const { queue } = setup();
    const a = await queue.defer(task());
    await queue.defer(task());
    await queue.claim(1, 1_000);
    await queue.complete(a.id);
    expect(await queue.purge({ state: 'done' })).toBe(1);
    expect(await queue.get(a.id)).toBeUndefined();
    expect(await queue.purge({ state: 'dead' })).toBe(0);
    await expect(queue.purge({ state: 'running' as 'done' })).rejects.toThrow(RangeError);
    expect(await queue.counts()).toMatchObject({ pending: 1 });
  });

  it('refuses bad arguments with errors that name them', async () => {
    const { queue } = setup();
    await expect(queue.claim(0, 1_000)).rejects.toThrow('SqliteDeferrer.claim: limit must be a positive integer, got 0');
    await expect(queue.claim(1, 0)).rejects.toThrow('leaseMs must be a positive number of milliseconds, got 0');
    await expect(queue.list({ state: 'lost' as 'dead' })).rejects.toThrow('state must be one of pending, running, done, failed, dead, got "lost"');
    await expect(queue.list({ limit: 1.5 })).rejects.toThrow(RangeError);
    await expect(queue.fail('x', 'e', {} as { retryAt: number })).rejects.toThrow('outcome must be { retryAt: ms } or { dead: reason }');
    await expect(queue.defer(task({ model: 3 as unknown as string }))).rejects.toThrow('SqliteDeferrer.defer: model must be a string, got 3');
    await expect(queue.defer(task({ deadlineAt: Number.NaN }))).rejects.toThrow(TypeError);
    expect(() => sqliteDeferrer({ path: '' })).toThrow('sqliteDeferrer: path must be a non-empty string, got ""');
    expect(() => sqliteDeferrer({ path: queuePath('b.db'), maxPayloadBytes: 0 })).toThrow('maxPayloadBytes must be a positive integer (bytes), got 0');
    expect(() => sqliteDeferrer({ path: queuePath('c.db'), busyTimeoutMs: -1 })).toThrow(RangeError);
  });

  it('rejects every call once closed; closing twice is fine', async () => {
    const { queue } = setup();
    await queue.close();
    await queue.close();
    await expect(queue.defer(task())).rejects.toThrow(`SqliteDeferrer(${JSON.stringify(queuePath())}) is closed`);
    await expect(queue.claim(1, 1)).rejects.toThrow('is closed');
    await expect(queue.complete('x')).rejects.toThrow('is closed');
    await expect(queue.counts()).rejects.toThrow('is closed');
  });

  it('keeps the file in write-ahead-log mode, with a schema version', async () => {
    const { queue } = setup();
    await queue.defer(task());
    const db = new DatabaseSync(queuePath(), { readOnly: true });
    try {
      expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
      expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: 1 });
      expect(db.prepare('PRAGMA application_id').get()).toEqual({ application_id: 0x53575131 });
    } finally {
      db.close();
    }
  });

  it('stores the payload and nothing else of the call: no headers, no key', async () => {
    const { queue } = setup();
    await queue.defer(task({ payload: { model: opus, max_tokens: 8, messages: [], metadata: undefined } }));
    const db = new DatabaseSync(queuePath(), { readOnly: true });
    try {
      const columns = (db.prepare('PRAGMA table_info(tasks)').all() as Array<{ name: string }>).map((c) => c.name);
      expect(columns).toEqual(['seq', 'id', 'state', 'call_id', 'policy', 'model', 'reason', 'payload', 'deferred_at', 'deadline_at', 'attempts', 'next_run_at', 'lease_token', 'lease_until', 'last_error', 'dead_reason', 'updated_at']);
      expect(db.prepare('SELECT payload FROM tasks').get()).toEqual({ payload: `{"model":"${opus}","max_tokens":8,"messages":[]}` });
    } finally {
      db.close();
    }
  });
});
