import type { PolicyUnderTest } from './PolicyUnderTest.js';
import { cockatielDefault } from './cockatielDefault.js';
import { exponentialNoJitter } from './exponentialNoJitter.js';
import { fixedRetry } from './fixedRetry.js';
import { fullJitterBreaker } from './fullJitterBreaker.js';
import { sdkDefault } from './sdkDefault.js';
import { stormwatch01, stormwatchDefault } from './stormwatchDefault.js';
import { stormwatchShared } from './stormwatchShared.js';

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

/** Id of the oracle in reports and on the command line. */
export const ORACLE_ID = 'oracle';

export { cockatielDefault, exponentialNoJitter, fixedRetry, fullJitterBreaker, sdkDefault, stormwatch01, stormwatchDefault, stormwatchShared };
