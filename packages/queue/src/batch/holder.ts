import type { HandOverQueue } from '../TaskQueue.js';

/**
 * The lease token of a task a Message Batch holds: `batch:<batch id>`. It is how the batch
 * id is persisted — in the task's own row (SQLite) or hash (Redis), written in the same
 * transaction that hands the task over — and how a restarted process finds the batches to
 * poll (`heldBy('batch:')`).
 */
export const BATCH_HOLDER_PREFIX = 'batch:';

export function batchHolder(batchId: string): string {
  return `${BATCH_HOLDER_PREFIX}${batchId}`;
}

export function batchIdOf(holder: string): string {
  return holder.slice(BATCH_HOLDER_PREFIX.length);
}

/** The queue, checked to hand claims over (SQLite's and Redis' do). */
export function requireHandOver<Q extends object>(queue: Q, caller: string): Q & HandOverQueue {
  const q = queue as Partial<HandOverQueue> | null;
  if (typeof q !== 'object' || q === null || typeof q.handOver !== 'function' || typeof q.heldBy !== 'function') {
    throw new TypeError(`${caller}: the queue must hand claims over (HandOverQueue: handOver and heldBy), as SqliteDeferrer and RedisDeferrer do`);
  }
  return queue as Q & HandOverQueue;
}
