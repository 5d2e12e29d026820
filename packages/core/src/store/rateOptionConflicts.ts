import { ADAPTIVE_RATE_DEFAULTS, type AdaptiveRateOptions } from '../admission/AdaptiveRate.js';

/** One rate option a policy sets that its shared store applies with another value. */
export interface RateOptionConflict {
  readonly name: keyof AdaptiveRateOptions;
  readonly policy: number;
  readonly store: number;
}

/**
 * The rate options a policy's `admission` sets that disagree with what its store applies.
 * With a shared store the store's rate is the fleet's, so a policy's own value would be
 * silently ignored (or, for `doublingMs`, make its admission estimates wrong): the policy
 * refuses them. Options the policy leaves unset never conflict. Pure.
 */
export function rateOptionConflicts(policy: AdaptiveRateOptions, store: Readonly<Required<AdaptiveRateOptions>>): RateOptionConflict[] {
  const conflicts: RateOptionConflict[] = [];
  for (const name of Object.keys(ADAPTIVE_RATE_DEFAULTS) as Array<keyof AdaptiveRateOptions>) {
    const value = policy[name];
    if (value !== undefined && value !== store[name]) conflicts.push({ name, policy: value, store: store[name] });
  }
  return conflicts;
}
