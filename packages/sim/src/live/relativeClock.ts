import { systemClock, type Clock } from '@stormwatch/core';

/** Real time measured from now: `now()` is 0 at creation, `sleep()` is the system clock's. */
export function relativeClock(base: Clock = systemClock): Clock {
  const origin = base.now();
  return { now: () => base.now() - origin, sleep: (ms, signal) => base.sleep(ms, signal) };
}
