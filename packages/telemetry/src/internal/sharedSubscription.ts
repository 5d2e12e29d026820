import type { IDisposable, Policy } from '@stormwatch/core';

/** One subscription to a policy, shared by its instrumentations. */
interface Shared {
  count: number;
  readonly subscription: IDisposable;
}

/**
 * Subscribes to `policy` once however many instrumentations ask (counted), so that what the
 * subscription reports is reported once; the last instrumentation's `dispose` unsubscribes.
 * `registry` holds one kind of subscription, weakly by policy: it never keeps a policy alive.
 */
export function sharedSubscription(registry: WeakMap<Policy, Shared>, policy: Policy, subscribe: () => IDisposable): IDisposable {
  let shared = registry.get(policy);
  if (!shared) registry.set(policy, (shared = { count: 0, subscription: subscribe() }));
  const mine = shared;
  mine.count++;
  let disposed = false;
  return {
    dispose() {
      if (disposed) return;
      disposed = true;
      if (--mine.count > 0) return;
      mine.subscription.dispose();
      if (registry.get(policy) === mine) registry.delete(policy);
    },
  };
}

/** A registry for {@link sharedSubscription}: one per kind of subscription. */
export const subscriptionRegistry = (): WeakMap<Policy, Shared> => new WeakMap();
