import { diag } from '@opentelemetry/api';
import type { IDisposable, ListenerErrorEvent, Policy } from '@stormwatch/core';

/** One subscription to a policy's `onListenerError`, shared by its instrumentations. */
interface Reporter {
  count: number;
  readonly subscription: IDisposable;
}

/** Held weakly by policy: reporting a policy's listener errors never keeps it alive. */
const reporters = new WeakMap<Policy, Reporter>();

function report({ policy, event, error }: ListenerErrorEvent): void {
  diag.error(`@stormwatch/telemetry: an ${event} listener of policy "${policy}" threw (the call went on)`, error);
}

/**
 * Reports what the policy's event listeners throw (core's `onListenerError`: the
 * application's listeners, since the telemetry guards its own) to OpenTelemetry's `diag`,
 * once per error however many instrumentations the policy has. Subscribing replaces core's
 * fallback, a process warning for the first error of each event.
 */
export function reportListenerErrors(policy: Policy): IDisposable {
  let reporter = reporters.get(policy);
  if (!reporter) reporters.set(policy, (reporter = { count: 0, subscription: policy.onListenerError(report) }));
  const mine = reporter;
  mine.count++;
  let disposed = false;
  return {
    dispose() {
      if (disposed) return;
      disposed = true;
      if (--mine.count > 0) return;
      mine.subscription.dispose();
      if (reporters.get(policy) === mine) reporters.delete(policy);
    },
  };
}
