import type { ResilientClient } from '@stormwatch/anthropic';
import { isCallDeferredError, seededRandom, type Clock, type Deferrer, type PolicyOptions, type Random } from '@stormwatch/core';
import { DeferralRun, type DeferralLog } from './deferralRun.js';
import type { ClientEnv, PolicyUnderTest, SimCall, SimCallResult } from './PolicyUnderTest.js';
import { messageParams } from './sendMessage.js';
import { sendThrough, stormwatchClient } from './stormwatchDefault.js';
import { runStore } from './stormwatchShared.js';
import { DEFER_POLICY_ID, DEFER_SHARED_POLICY_ID } from '../scenarios/longOutage.js';

/** The deferral of each run in progress, keyed by the run's clock (as the shared store is: see `runStore`). */
const runs = new WeakMap<Clock, DeferralRun>();

/** The run's deferral, made at its first client. */
function deferralOf(clock: Clock, random: Random): DeferralRun {
  let run = runs.get(clock);
  if (run === undefined) {
    // The drain's backoff jitter: a stream of its own, seeded by one draw of the first client's.
    run = new DeferralRun(clock, seededRandom(Math.floor(random() * 2 ** 32)));
    runs.set(clock, run);
  }
  return run;
}

/**
 * Stormwatch's default policy with deferral on, as a batch job configures it:
 * `resilient(client, { policy, policyOptions: { abandon: { deferrer: sqliteDeferrer({ path }) } } })`
 * and every call made with `defer: true`. A call whose attempt fails with an overload while
 * at least 5 minutes of its deadline remain (the default `deferIfRemainingMs`) — or that
 * admission refuses — goes to the run's SQLite queue instead of being retried; one drain
 * (`drainDeferred`, 8 tasks at a time) runs the queue through the first client's resilient
 * client, whose admission control sends them at the rate it has learned. Everything else is
 * the `stormwatch` row's. With deadlines under 5 minutes it never defers.
 */
export const stormwatchDefer: PolicyUnderTest = {
  id: DEFER_POLICY_ID,
  label: 'Stormwatch + deferral',
  description:
    "Stormwatch's default policy with a durable deferrer (sqliteDeferrer on a temporary file, abandon.deferrer) and defer: true on every call: a call that meets an overload with at least 5 min of deadline left is queued instead of retried; drainDeferred (32 at a time) runs the queue through the first client's resilient client, paced by its admission control.",
  usesStore: true,
  createCaller: (env) => deferringCaller(env, {}),
  finishRun,
};

/**
 * `stormwatch-defer` with every client on the run's one shared overload store, as
 * `stormwatch-shared` is: the fleet, the drain's host included, learns one admitted rate, so
 * the calls each process holds in memory when capacity returns are not sent at fifty rates
 * that each grow on their own.
 */
export const stormwatchDeferShared: PolicyUnderTest = {
  id: DEFER_SHARED_POLICY_ID,
  label: 'Stormwatch + deferral, shared store',
  description:
    'stormwatch-defer with every client (the drain host included) on one shared overload store (policyOptions.store, as stormwatch-shared): one admitted rate for the fleet and its drain.',
  usesStore: true,
  createCaller: (env) => deferringCaller(env, { store: runStore(env.clock) }),
  finishRun,
};

/** Where a deferral row's clients defer to, and how a deferred call learns its answer. */
export interface DeferralTarget {
  readonly deferrer: Deferrer;
  /** Offered each client's resilient client (the interactive drain runs through the first). */
  adoptHost?(client: ResilientClient): void;
  /** Resolves with the answer of the deferred task `id`; rejects when it is dead. */
  completion(id: string): Promise<SimCallResult>;
}

/** A client of a deferral row: calls with `defer: true`; a deferred call waits for its task's completion. */
function deferringCaller(env: ClientEnv, options: Partial<PolicyOptions>) {
  return deferringCallerTo(env, options, deferralOf(env.clock, env.random));
}

/** A client that defers to `run`: calls with `defer: true`; a deferred call waits for its task's completion by id. */
export function deferringCallerTo(env: ClientEnv, options: Partial<PolicyOptions>, run: DeferralTarget) {
  const client = stormwatchClient(env, { ...options, abandon: { deferrer: run.deferrer } });
  run.adoptHost?.(client);
  return async (call: SimCall): Promise<SimCallResult> => {
    try {
      return await sendThrough(client, messageParams(call, call.model), call.stream, { deadlineMs: call.deadlineMs, defer: true });
    } catch (error) {
      if (!isCallDeferredError(error)) throw error;
      const answer = await run.completion(error.receipt.id);
      return { ...answer, deferredAtMs: error.receipt.deferredAt };
    }
  };
}

/** Closes the run's queue file and returns what its deferral did. */
async function finishRun(clock: Clock) {
  const run = runs.get(clock);
  if (run === undefined) return undefined;
  runs.delete(clock);
  return { deferral: await run.finish() };
}

export type { DeferralLog };
