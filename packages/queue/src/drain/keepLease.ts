import type { Clock } from '@stormwatch/core';
import type { ClaimedTask } from '../QueuedTask.js';
import type { DrainableQueue } from '../TaskQueue.js';

/**
 * Renews a claimed task's lease every third of `leaseMs` while its handler runs (a call that
 * waits its turn during an overload may take longer than one lease), until `stop()`. A
 * renewal that fails or finds the lease gone ends the renewals: the task may then be run
 * again elsewhere, which at-least-once delivery allows.
 */
export function keepLease(queue: DrainableQueue, clock: Clock, task: ClaimedTask, leaseMs: number): { stop(): void } {
  const stopped = new AbortController();
  void (async () => {
    while (!stopped.signal.aborted) {
      try {
        await clock.sleep(leaseMs / 3, stopped.signal);
        if (!(await queue.extend(task.id, task, leaseMs))) return;
      } catch {
        return; // stopped, or the store failed: complete/fail will meet the same store and report it
      }
    }
  })();
  return { stop: () => stopped.abort() };
}
