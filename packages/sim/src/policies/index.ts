import type { PolicyUnderTest } from './PolicyUnderTest.js';
import { cockatielDefault } from './cockatielDefault.js';
import { exponentialNoJitter } from './exponentialNoJitter.js';
import { fixedRetry } from './fixedRetry.js';
import { fullJitterBreaker } from './fullJitterBreaker.js';
import { sdkDefault } from './sdkDefault.js';
import { stormwatchDefault } from './stormwatchDefault.js';

/** The six policies the storm lab compares, in the order (the oracle is separate). */
export const POLICIES: readonly PolicyUnderTest[] = Object.freeze([
  fixedRetry,
  exponentialNoJitter,
  sdkDefault,
  cockatielDefault,
  fullJitterBreaker,
  stormwatchDefault,
]);

/** Id of the oracle in reports and on the command line. */
export const ORACLE_ID = 'oracle';

export { cockatielDefault, exponentialNoJitter, fixedRetry, fullJitterBreaker, sdkDefault, stormwatchDefault };
