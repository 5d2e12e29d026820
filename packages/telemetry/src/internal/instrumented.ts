import type { Policy } from '@stormwatch/core';

/** How many live instrumentations each policy has; shared across copies of this package. */
const KEY = Symbol.for('stormwatch.telemetry.instrumented');
const store = globalThis as Record<symbol, unknown>;
const counts = (store[KEY] ??= new WeakMap<Policy, number>()) as WeakMap<Policy, number>;

/** Notes one more instrumentation of `policy`; the returned function takes it back. */
export function markInstrumented(policy: Policy): () => void {
  counts.set(policy, (counts.get(policy) ?? 0) + 1);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    const left = (counts.get(policy) ?? 1) - 1;
    if (left > 0) counts.set(policy, left);
    else counts.delete(policy);
  };
}

export function isInstrumented(policy: Policy): boolean {
  return counts.has(policy);
}
