import type { VirtualClock } from '@stormwatch/core';

/**
 * Runs `work` while moving virtual time from one of its waits to the next (a batch poller's
 * waits cost no real time); gives up after `maxMs` of real time. The queue's batch tests and
 * the queue e2e test share it.
 */
export async function poll<T>(clock: VirtualClock, work: Promise<T>, maxMs = 15_000): Promise<T> {
  let settled = false;
  const result = work.finally(() => (settled = true));
  result.catch(() => undefined);
  const giveUpAt = performance.now() + maxMs;
  while (!settled) {
    if (performance.now() > giveUpAt) throw new Error(`poll: not settled after ${maxMs} ms of real time`);
    await new Promise((resolve) => setTimeout(resolve, 2));
    if (!settled && clock.pendingTimers > 0) await clock.runNext();
  }
  return result;
}
