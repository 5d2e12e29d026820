import { diag } from '@opentelemetry/api';
import type { IDisposable, ListenerErrorEvent, Policy } from '@stormwatch/core';
import { sharedSubscription, subscriptionRegistry } from './sharedSubscription.js';

/** Held weakly by policy: reporting a policy's listener errors never keeps it alive. */
const reporters = subscriptionRegistry();

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
  return sharedSubscription(reporters, policy, () => policy.onListenerError(report));
}
