import { InMemoryOverloadStore, type Clock, type OverloadStore } from '@stormwatch/core';
import { STORE_RTT_MS, withRoundTrip } from './modelledRoundTrip.js';
import type { PolicyUnderTest } from './PolicyUnderTest.js';
import { stormwatchCaller } from './stormwatchDefault.js';

/**
 * The stores of the runs in progress, keyed by the run's clock. A run is one scenario ×
 * policy × seed, and every run makes a clock of its own (`runPolicy` a `VirtualClock`,
 * live mode a clock from the run's start) that it hands to every client of its fleet: so
 * the clients of one run find one store, two runs never share one, and a run's store is
 * dropped with its clock. Nothing else in the lab needs a per-run context, so none is added
 * to `ClientEnv` for it.
 */
const storesByRun = new WeakMap<Clock, OverloadStore>();

/**
 * The store every client of the run driven by `clock` shares: an `InMemoryOverloadStore` on
 * the run's clock with the core defaults of a shared store (halve per overload, double
 * every 2.5 s — a shared rate's default, `SHARED_RATE_DEFAULTS`; budget 10 % of the
 * fleet's calls pooled + 1 retry/s, each process keeping its own reserve of 1 retry/s),
 * reached through a modelled round trip of {@link STORE_RTT_MS}.
 */
export function runStore(clock: Clock): OverloadStore {
  let store = storesByRun.get(clock);
  if (store === undefined) {
    store = withRoundTrip(new InMemoryOverloadStore({}, clock), clock, STORE_RTT_MS);
    storesByRun.set(clock, store);
  }
  return store;
}

/**
 * Stormwatch's default policy with every client of the fleet on one shared overload store,
 * as a fleet on `redisStore({ url })` from `@stormwatch/redis` runs it:
 * `resilient(client, { policy, fallback, policyOptions: { store } })`. The fleet admits
 * calls on one schedule of slots, learns one admitted rate, honours one rate-limit pause
 * and spends one retry budget per model; each client keeps its own queue of waiting calls
 * and its own breaker. The store is the reference in-memory one behind a round trip of
 * {@link STORE_RTT_MS} (a real Redis on a LAN: about 0.2–1 ms). A new policy, so it draws
 * random streams of its own (no `seedName`).
 */
export const stormwatchShared: PolicyUnderTest = {
  id: 'stormwatch-shared',
  label: 'Stormwatch, shared store',
  description: `Stormwatch's default policy with every client on one shared overload store (policyOptions.store; in-memory, behind a modelled ${STORE_RTT_MS} ms round trip — a real Redis on a LAN is about 0.2-1 ms): one fleet-wide schedule of admission slots, one learned rate, one rate-limit pause and one pooled retry budget (10 % of the fleet's calls, each client keeping its own reserve of 1 retry/s) per model, the shared rate doubling every 2.5 s; queues and breakers per client.`,
  usesStore: true,
  createCaller: (env) => stormwatchCaller(env, { store: runStore(env.clock) }),
};
