import type { AdaptiveRateOptions } from '../admission/AdaptiveRate.js';

/**
 * How a rate one fleet shares differs, by default, from a process's own: it doubles every
 * 2.5 s without overload instead of every 10 s.
 *
 * A process's own rate is one of many: the processes of a fleet cut theirs out of step, each
 * on its own 529s, so the fleet's total falls by less than half at a time and rises smoothly
 * as fifty rates grow. A shared rate is the whole fleet's: one cut halves everything at once,
 * so it must also grow back about once per response time of a call (a few seconds), as
 * congestion control steps once per round trip, to keep the service busy between cuts. In
 * the storm lab (seed 1), doubling every 10 s left the shared fleet at 69 % of calls answered
 * in storm-50 and 91 % in the 429 wave; every 2.5 s, 89 % and 99 %, with 72 and 19 529s.
 */
export const SHARED_RATE_DEFAULTS: Readonly<Pick<AdaptiveRateOptions, 'doublingMs'>> = Object.freeze({ doublingMs: 2500 });

/** A shared store's rate options: the caller's, over {@link SHARED_RATE_DEFAULTS}. */
export function sharedRateOptions(options: AdaptiveRateOptions | undefined): AdaptiveRateOptions {
  return { ...SHARED_RATE_DEFAULTS, ...options };
}
