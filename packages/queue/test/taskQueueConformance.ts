import type { TaskQueue as CoreTaskQueue, VirtualClock } from '@stormwatch/core';
import { afterEach, describe, expect, it } from 'vitest';
import { isPayloadTooLargeError, isTaskNotFoundError, type TaskQueue } from '../src/index.js';
import { opus, task } from './support/queueFiles.js';

/**
 * A fresh, empty queue on a virtual clock that reads 1 000 ms. It must be this package's
 * `TaskQueue` and the copy of that contract in `@stormwatch/core` (which the Redis deferrer
 * implements, so as not to depend on this package): the two cannot drift apart unnoticed.
 */
export type MakeQueue = (options: { maxPayloadBytes?: number }) => Promise<{ queue: TaskQueue & CoreTaskQueue; clock: VirtualClock }>;

const rejection = async (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

/**
 * The state machine every `TaskQueue` keeps (SQLite, Redis): what `drainDeferred` and the
 * CLI rely on. Each implementation's test file calls it with a factory of fresh queues,
 * as `overloadStoreConformance` (packages/core/test/storeConformance.ts) does for stores.
 */
export function taskQueueConformance(name: string, make: MakeQueue): void {
  const open: TaskQueue[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((q) => q.close()));
  });
  const setup = async (options: { maxPayloadBytes?: number } = {}) => {
    const made = await make(options);
    open.push(made.queue);
    return made;
  };

  describe(`${name}: the TaskQueue state machine`, () => {
    it('stores a deferred call pending, due at once, under a UUID', async () => {
      const { queue } = await setup();
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
      const { queue } = await setup();
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
      const { clock, queue } = await setup();
      await queue.defer(task({ deferredAt: 5_000 }));
      expect(await queue.claim(1, 1_000)).toEqual([]);
      expect(await queue.nextDueAt()).toBe(5_000);
      await clock.advance(4_000);
      expect(await queue.claim(1, 1_000)).toHaveLength(1);
    });

    it('completes a running task: done, its lease gone', async () => {
      const { queue } = await setup();
      const { id } = await queue.defer(task());
      await queue.claim(1, 1_000);
      expect(await queue.complete(id)).toBe(true);
      expect(await queue.get(id)).toMatchObject({ state: 'done', attempts: 1 });
      expect((await queue.get(id))?.leaseUntil).toBeUndefined();
      expect(await queue.complete(id)).toBe(false); // already done: a duplicate run
      expect(await queue.claim(1, 1_000)).toEqual([]);
    });

    it('fails a task to be retried later: failed, due at retryAt, then claimable again', async () => {
      const { clock, queue } = await setup();
      const { id } = await queue.defer(task());
      const [claimed] = await queue.claim(1, 1_000);
      expect(await queue.fail(id, Object.assign(new Error('529 overloaded'), { name: 'InternalServerError' }), { retryAt: 6_000 }, claimed)).toBe(true);
      expect(await queue.get(id)).toMatchObject({ state: 'failed', attempts: 1, nextRunAt: 6_000, lastError: 'InternalServerError: 529 overloaded' });
      expect(await queue.claim(1, 1_000)).toEqual([]);
      await clock.advance(5_000);
      expect(await queue.claim(1, 1_000)).toMatchObject([{ id, attempts: 2, lastError: 'InternalServerError: 529 overloaded' }]);
    });

    it('fails a task to dead: kept with its reason, never claimed, back to pending by hand', async () => {
      const { clock, queue } = await setup();
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
      const { queue } = await setup();
      const { id } = await queue.defer(task());
      expect(await queue.retry(id)).toBe(false);
      await queue.claim(1, 1_000);
      expect(await queue.retry(id)).toBe(false);
      await queue.complete(id);
      expect(await queue.retry(id)).toBe(false);
    });

    it('releases a task back to pending without counting the attempt', async () => {
      const { queue } = await setup();
      const { id } = await queue.defer(task());
      const [claimed] = await queue.claim(1, 1_000);
      expect(await queue.release(id, claimed!)).toBe(true);
      expect(await queue.get(id)).toMatchObject({ state: 'pending', attempts: 0 });
      expect(await queue.release(id, claimed!)).toBe(false);
    });

    it('extends a held lease, and not a lease another claim holds', async () => {
      const { clock, queue } = await setup();
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
      const { clock, queue } = await setup();
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
      const { queue } = await setup();
      const { id } = await queue.defer(task());
      expect(await queue.fail(id, 'x', { dead: 'manual' })).toBe(false);
      expect(await queue.get(id)).toMatchObject({ state: 'pending' });
    });

    it('rejects an unknown id with TaskNotFoundError', async () => {
      const { queue } = await setup();
      for (const call of [queue.complete('nope'), queue.fail('nope', 'x', { retryAt: 0 }), queue.retry('nope'), queue.release('nope', { leaseToken: 'x' }), queue.extend('nope', { leaseToken: 'x' }, 1)]) {
        const error = await rejection(call);
        expect(isTaskNotFoundError(error)).toBe(true);
        expect(error).toMatchObject({ id: 'nope', message: 'no task "nope" in the queue' });
      }
      expect(await queue.get('nope')).toBeUndefined();
    });

    it('lists, counts and ages the queue', async () => {
      const { clock, queue } = await setup();
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
      const { queue } = await setup();
      await queue.defer(task());
      await queue.defer(task());
      // Either may be claimed first: tasks due at the same moment have no order every queue keeps (Redis: by id).
      const [claimed] = await queue.claim(1, 1_000);
      await queue.complete(claimed!.id);
      expect(await queue.purge({ state: 'done' })).toBe(1);
      expect(await queue.get(claimed!.id)).toBeUndefined();
      expect(await queue.purge({ state: 'dead' })).toBe(0);
      await expect(queue.purge({ state: 'running' as 'done' })).rejects.toThrow(RangeError);
      expect(await queue.counts()).toMatchObject({ pending: 1 });
    });

    it('refuses bad arguments with errors that name them', async () => {
      const { queue } = await setup();
      await expect(queue.claim(0, 1_000)).rejects.toThrow(/\.claim: limit must be a positive integer, got 0$/);
      await expect(queue.claim(1, 0)).rejects.toThrow('leaseMs must be a positive number of milliseconds, got 0');
      await expect(queue.extend('x', { leaseToken: 'x' }, -1)).rejects.toThrow(RangeError);
      await expect(queue.list({ state: 'lost' as 'dead' })).rejects.toThrow('state must be one of pending, running, done, failed, dead, got "lost"');
      await expect(queue.list({ limit: 1.5 })).rejects.toThrow(RangeError);
      await expect(queue.fail('x', 'e', {} as { retryAt: number })).rejects.toThrow('outcome must be { retryAt: ms } or { dead: reason }');
      await expect(queue.defer(task({ model: 3 as unknown as string }))).rejects.toThrow(/\.defer: model must be a string, got 3$/);
      await expect(queue.defer(task({ deadlineAt: Number.NaN }))).rejects.toThrow(TypeError);
      await expect(queue.purge({ state: 'running' as 'done' })).rejects.toThrow(RangeError);
    });

    it('refuses a payload over maxPayloadBytes with PayloadTooLargeError, and one JSON cannot hold with a TypeError', async () => {
      const { queue } = await setup({ maxPayloadBytes: 10 });
      const error = await rejection(queue.defer(task({ payload: { text: 'élan' } })));
      expect(isPayloadTooLargeError(error)).toBe(true);
      expect(error).toMatchObject({ bytes: 16, maxBytes: 10, message: "deferred payload is 16 bytes as JSON, over the queue's maxPayloadBytes of 10" });
      await expect(queue.defer(task({ payload: () => 1 }))).rejects.toThrow('deferred payload is not JSON-serializable: got function');
      expect(await queue.counts()).toEqual({ pending: 0, running: 0, done: 0, failed: 0, dead: 0 });
    });

    it('keeps a payload as JSON gives it back: undefined members dropped, dates as strings', async () => {
      const { queue } = await setup();
      const { id } = await queue.defer(task({ payload: { model: opus, when: new Date(0), metadata: undefined, text: 'naïve ✓' } }));
      expect((await queue.get(id))?.payload).toEqual({ model: opus, when: '1970-01-01T00:00:00.000Z', text: 'naïve ✓' });
    });

    it('rejects every call once closed; closing twice is fine', async () => {
      const { queue } = await setup();
      await queue.close();
      await queue.close();
      await expect(queue.defer(task())).rejects.toThrow('is closed');
      await expect(queue.claim(1, 1)).rejects.toThrow('is closed');
      await expect(queue.complete('x')).rejects.toThrow('is closed');
      await expect(queue.counts()).rejects.toThrow('is closed');
    });
  });
}
