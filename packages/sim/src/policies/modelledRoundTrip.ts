/**
 * A shared overload store across a network, as the storm lab models it: the real store
 * (`InMemoryOverloadStore`) behind a fixed round trip on the run's clock. A fleet shares its
 * state through a store on another machine (Redis), so every operation a policy makes
 * reaches the state half a round trip after it was asked, and its answer arrives half a
 * round trip after that: what a policy reads is already that old when it acts on it, and
 * a call that waits for the store (the first pace read of a model, a paced call's slot, a
 * retry's withdrawal from the budget) waits the round trip too.
 */
import type { Clock, OverloadStore } from '@stormwatch/core';

/**
 * The modelled round trip to the shared store, in ms. A real Redis on a LAN answers in
 * about 0.2–1 ms (on loopback `@stormwatch/redis` adds 70–90 µs p50 per operation, see
 * BENCHMARKS.md); 1 ms is the slow end of a LAN.
 */
export const STORE_RTT_MS = 1;

/**
 * `store` behind a round trip of `rttMs` on `clock`: every operation waits half the round
 * trip before it calls the real store and half after its answer (or its error). Every
 * method of the store is an operation — those of the `OverloadStore` contract and any it
 * gains — except `health()`, which a remote store answers from its own process. Operations
 * asked at the same time reach the store in the order they were asked, as over one
 * connection.
 */
export function withRoundTrip(store: OverloadStore, clock: Clock, rttMs: number = STORE_RTT_MS): OverloadStore {
  if (!(rttMs >= 0) || !Number.isFinite(rttMs)) throw new RangeError(`withRoundTrip: rttMs must be a finite number of ms >= 0, got ${String(rttMs)}`);
  const halfway = () => clock.sleep(rttMs / 2);
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || property === 'health') return value;
      return async (...args: unknown[]) => {
        await halfway();
        try {
          return await (value as (...a: unknown[]) => unknown).apply(target, args);
        } finally {
          await halfway();
        }
      };
    },
  });
}
