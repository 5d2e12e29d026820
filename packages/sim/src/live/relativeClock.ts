import { systemClock, type Clock } from '@stormwatch/core';

/**
 * Real time measured from `origin` (a reading of `base`, by default now): `now()` is 0 at
 * the origin, `sleep()` is the base clock's. The live fleet's processes pass the parent's
 * origin, so they all read the run's one time (the system clock is the machine's).
 */
export function relativeClock(base: Clock = systemClock, origin: number = base.now()): Clock {
  return { now: () => base.now() - origin, sleep: (ms, signal) => base.sleep(ms, signal) };
}
