import { diag } from '@opentelemetry/api';
import { METRIC_STORE_ERRORS } from '@stormwatch/conventions';
import type { IDisposable, Policy } from '@stormwatch/core';
import { sharedSubscription, subscriptionRegistry } from './sharedSubscription.js';

/** Held weakly by policy: reporting a policy's store errors never keeps it alive. */
const reporters = subscriptionRegistry();

/**
 * Reports the first operation of the policy's overload store that rejects (core's
 * `onStoreError`: a closed or broken store) to OpenTelemetry's `diag` as a warning, once per
 * policy however many instrumentations it has; every such error is counted in
 * `stormwatch.store.errors` by each instrumentation. Subscribing replaces core's fallback,
 * a process warning for the policy's first store error, so the first one is still told.
 */
export function reportStoreErrors(policy: Policy): IDisposable {
  return sharedSubscription(reporters, policy, () => {
    let warned = false;
    return policy.onStoreError(({ policy: name, model, operation, error }) => {
      if (warned) return;
      warned = true;
      diag.warn(
        `@stormwatch/telemetry: the overload store of policy "${name}" failed ${operation} for ${model} (the call went on at this process's pace; every such error is counted in ${METRIC_STORE_ERRORS})`,
        error,
      );
    });
  });
}
