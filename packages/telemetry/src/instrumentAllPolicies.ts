import { livePolicies, onPolicyCreated, type IDisposable, type Policy } from '@stormwatch/core';
import { isInstrumented } from './internal/instrumented.js';
import { resolveOptions } from './internal/options.js';
import { instrumentPolicy } from './instrumentPolicy.js';
import type { TelemetryOptions } from './TelemetryOptions.js';

/**
 * Instruments every policy alive now and every policy created later, each exactly once:
 * a policy that already has an instrumentation (from {@link instrumentPolicy} or an
 * earlier registration) is left alone. Policies are held weakly: instrumenting one never
 * keeps it alive.
 *
 * A bad option throws at once, naming it.
 *
 * @returns a disposable that stops instrumenting new policies and removes the
 * instrumentation this registration added.
 */
export function instrumentAllPolicies(options: TelemetryOptions = {}): IDisposable {
  // Checked now: a bad option must fail here, not later inside the application's createPolicy().
  resolveOptions(options, 'instrumentAllPolicies');
  const mine = new Set<WeakRef<Policy>>();
  const handles = new WeakMap<Policy, IDisposable>();
  const instrument = (policy: Policy) => {
    if (isInstrumented(policy)) return;
    const handle = instrumentPolicy(policy, options);
    handles.set(policy, handle);
    mine.add(new WeakRef(policy));
    if (mine.size % 1024 === 0) for (const ref of mine) if (!ref.deref()) mine.delete(ref);
  };
  for (const policy of livePolicies()) instrument(policy);
  const subscription = onPolicyCreated(instrument);
  return {
    dispose() {
      subscription.dispose();
      for (const ref of mine) {
        const policy = ref.deref();
        if (policy) handles.get(policy)?.dispose();
      }
      mine.clear();
    },
  };
}
