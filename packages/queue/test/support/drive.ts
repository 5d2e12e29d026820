import type { Policy, VirtualClock } from '@stormwatch/core';

/**
 * Settles work whose waits run on a virtual clock while its HTTP runs for real (the real SDK
 * against the fake server): lets I/O progress, and whenever a call of `policy` is waiting its
 * turn for admission, moves time to the next timer. Time never moves for a timer alone (a
 * deadline, a lease renewal) while HTTP is in flight, however slow the machine.
 */
export async function drive<T>(clock: VirtualClock, policy: Policy, promise: Promise<T>, maxMs = 15_000): Promise<T> {
  let settled = false;
  const result = promise.finally(() => (settled = true));
  result.catch(() => undefined);
  const giveUpAt = performance.now() + maxMs;
  while (!settled) {
    if (performance.now() > giveUpAt) throw new Error(`drive: not settled after ${maxMs} ms of real time`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const waiting = [...policy.admissionStates().values()].some((s) => s.queueDepth > 0);
    if (!settled && waiting) await clock.runNext();
  }
  return result;
}
