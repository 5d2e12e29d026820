import type { HandOverQueue, TaskQueue as CoreTaskQueue, VirtualClock } from '@stormwatch/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskQueue } from '../src/index.js';
import { task } from './support/queueFiles.js';

/** A fresh, empty queue on a virtual clock that reads 1 000 ms, which hands claims over. */
export type MakeHandOverQueue = () => Promise<{ queue: TaskQueue & CoreTaskQueue & HandOverQueue; clock: VirtualClock }>;

/**
 * `HandOverQueue` as every queue keeps it (SQLite, Redis): what the Message Batches target
 * (`batchDeferred`, `resumeBatches`) relies on to find its batches after a restart.
 */
export function handOverConformance(name: string, make: MakeHandOverQueue): void {
  const open: TaskQueue[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((q) => q.close()));
  });
  const setup = async () => {
    const made = await make();
    open.push(made.queue);
    return made;
  };

  describe(`${name}: handing claims over`, () => {
    it('hands claimed tasks to a holder until a time; only the holder settles them, and no drain claims them before then', async () => {
      const { queue, clock } = await setup();
      for (let i = 0; i < 3; i++) await queue.defer(task({ callId: i, deferredAt: 100 + i }));
      const claimed = await queue.claim(3, 1_000);
      const handed = await queue.handOver(claimed.slice(0, 2), 'batch:msgbatch_1', 90_000_000);
      expect(handed).toEqual([claimed[0]!.id, claimed[1]!.id]);

      const held = await queue.heldBy('batch:');
      expect(held.map((t) => [t.id, t.state, t.leaseToken, t.leaseUntil])).toEqual([
        [claimed[0]!.id, 'running', 'batch:msgbatch_1', 90_000_000],
        [claimed[1]!.id, 'running', 'batch:msgbatch_1', 90_000_000],
      ]);
      // The old claim no longer holds them; the holder does.
      expect(await queue.release(claimed[0]!.id, claimed[0]!)).toBe(false);
      expect(await queue.fail(claimed[0]!.id, 'x', { retryAt: 0 }, claimed[0]!)).toBe(false);
      expect(await queue.release(claimed[0]!.id, { leaseToken: 'batch:msgbatch_1' })).toBe(true);
      expect(await queue.get(claimed[0]!.id)).toMatchObject({ state: 'pending', attempts: 0 });

      // The third task's short lease expires; the handed-over one stays held.
      await clock.advance(2_000);
      const again = await queue.claim(10, 1_000);
      expect(again.map((t) => t.id).sort()).toEqual([claimed[0]!.id, claimed[2]!.id].sort());
      expect(await queue.heldBy('batch:msgbatch_1')).toHaveLength(1);
    });

    it('leaves a task whose claim is no longer held, and finds nothing under another prefix', async () => {
      const { queue, clock } = await setup();
      await queue.defer(task({ deferredAt: 100 }));
      const [first] = await queue.claim(1, 1_000);
      await clock.advance(2_000);
      const [second] = await queue.claim(1, 1_000); // the lease expired: another drain holds it now
      expect(second!.id).toBe(first!.id);
      expect(await queue.handOver([first!], 'batch:late', 90_000_000)).toEqual([]);
      expect(await queue.heldBy('batch:')).toEqual([]);
      expect(await queue.handOver([second!], 'batch:b2', 90_000_000)).toEqual([second!.id]);
      expect(await queue.heldBy('other:')).toEqual([]);
      expect(await queue.heldBy('batch:', 1)).toHaveLength(1);
      // Settling by the holder: done, and no longer held.
      expect(await queue.complete(second!.id)).toBe(true);
      expect(await queue.heldBy('batch:')).toEqual([]);
    });

    it('hands over nothing for an empty list, and refuses a bad holder or time', async () => {
      const { queue } = await setup();
      expect(await queue.handOver([], 'batch:x', 1)).toEqual([]);
      await expect(queue.handOver([], '', 1)).rejects.toThrow(TypeError);
      await expect(queue.handOver([], 'batch:x', Number.NaN)).rejects.toThrow(RangeError);
      await expect(queue.heldBy('')).rejects.toThrow(TypeError);
      await expect(queue.heldBy('batch:', 0)).rejects.toThrow(RangeError);
    });
  });
}
