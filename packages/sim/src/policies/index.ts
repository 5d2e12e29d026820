import type { PolicyUnderTest } from './PolicyUnderTest.js';
import { cockatielDefault } from './cockatielDefault.js';
import { exponentialNoJitter } from './exponentialNoJitter.js';
import { fixedRetry } from './fixedRetry.js';
import { fullJitterBreaker } from './fullJitterBreaker.js';
import { sdkDefault } from './sdkDefault.js';
import { stormwatch01, stormwatchDefault } from './stormwatchDefault.js';
import { stormwatchShared } from './stormwatchShared.js';
import { stormwatchDefer, stormwatchDeferShared } from './stormwatchDefer.js';
import { stormwatchBatch } from './stormwatchBatch.js';
import type { Scenario } from '../scenarios/Scenario.js';

/**
 * The policies the storm lab compares (the oracle is separate): five peers, Stormwatch 0.1,
 * Stormwatch's default (each client with its own state), and last the default with the
 * whole fleet on one shared store.
 */
export const POLICIES: readonly PolicyUnderTest[] = Object.freeze([
  fixedRetry,
  exponentialNoJitter,
  sdkDefault,
  cockatielDefault,
  fullJitterBreaker,
  stormwatch01,
  stormwatchDefault,
  stormwatchShared,
]);

/**
 * Policies that run only where a scenario asks for them (`Scenario.extraPolicies`) or
 * `--policies` names them: `stormwatch-defer` and `stormwatch-defer-shared`, whose deferral
 * acts only on deadlines of more than 5 minutes (in the other scenarios it would be the `stormwatch` row again), and
 * `stormwatch-batch`, which sends deferred calls to the Message Batches API (deadlines beyond 24 h: `long-outage-batch`).
 */
export const EXTRA_POLICIES: readonly PolicyUnderTest[] = Object.freeze([stormwatchDefer, stormwatchDeferShared, stormwatchBatch]);

/** Every policy the storm lab knows, by id: the common rows, then the extra ones. */
export const ALL_POLICIES: readonly PolicyUnderTest[] = Object.freeze([...POLICIES, ...EXTRA_POLICIES]);

/** The ids of the policies a shared overload store changes (`PolicyUnderTest.usesStore`), comma-separated, for messages. */
export function storeUserIds(): string {
  return ALL_POLICIES.filter((p) => p.usesStore === true)
    .map((p) => p.id)
    .join(', ');
}

/** The rows a scenario runs by default: the common ones plus the scenario's extra ones. */
export function policiesFor(scenario: Scenario): PolicyUnderTest[] {
  const extra = scenario.extraPolicies ?? [];
  return [...POLICIES, ...EXTRA_POLICIES.filter((p) => extra.includes(p.id))];
}

/** Id of the oracle in reports and on the command line. */
export const ORACLE_ID = 'oracle';

export { cockatielDefault, exponentialNoJitter, fixedRetry, fullJitterBreaker, sdkDefault, stormwatch01, stormwatchDefault, stormwatchBatch, stormwatchDefer, stormwatchDeferShared, stormwatchShared };
