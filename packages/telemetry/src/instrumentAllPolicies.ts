import { livePolicies, onPolicyCreated, type IDisposable, type Policy } from '@stormwatch/core';
import { instrumentPolicy } from './instrumentPolicy.js';
import type { TelemetryOptions } from './TelemetryOptions.js';

interface Entry {
  /** The registration that instrumented the policy. */
  readonly owner: object;
  readonly handle: IDisposable;
}

/** Policies instrumented by {@link instrumentAllPolicies}, shared across package copies. */
const KEY = Symbol.for('stormwatch.telemetry.instrumentedPolicies');
const store = globalThis as Record<symbol, unknown>;
const instrumented = (store[KEY] ??= new WeakMap<Policy, Entry>()) as WeakMap<Policy, Entry>;

/**
 * Instruments every policy alive now and every policy created later, each exactly once
 * (a second registration leaves already instrumented policies alone). Policies are held
 * weakly: instrumenting one never keeps it alive.
 *
 * @returns a disposable that stops instrumenting new policies and removes the
 * instrumentation this registration added.
 */
export function instrumentAllPolicies(options: TelemetryOptions = {}): IDisposable {
  const owner = {};
  const mine = new Set<WeakRef<Policy>>();
  const instrument = (policy: Policy) => {
    if (instrumented.has(policy)) return;
    instrumented.set(policy, { owner, handle: instrumentPolicy(policy, options) });
    mine.add(new WeakRef(policy));
  };
  for (const policy of livePolicies()) instrument(policy);
  const subscription = onPolicyCreated(instrument);
  return {
    dispose() {
      subscription.dispose();
      for (const ref of mine) {
        const policy = ref.deref();
        const entry = policy && instrumented.get(policy);
        if (policy && entry?.owner === owner) {
          entry.handle.dispose();
          instrumented.delete(policy);
        }
      }
      mine.clear();
    },
  };
}
