import type { PolicyUnderTest } from './PolicyUnderTest.js';
import { retryLoop } from './retryLoop.js';

/** Fixed delay between attempts, in ms. */
export const FIXED_RETRY_DELAY_MS = 1000;
/** Attempts per call, the first included. */
export const FIXED_RETRY_ATTEMPTS = 3;

/**
 * Policy 1, the common naive loop: try, and on a transient error wait 1 s and try again,
 * 3 attempts in all. The SDK's own retries are off (`maxRetries: 0`).
 */
export const fixedRetry: PolicyUnderTest = {
  id: 'fixed-1s',
  label: 'fixed 1 s ×3',
  description: 'Retries every transient error after a fixed 1 s, 3 attempts in all (SDK retries off).',
  createCaller(env) {
    return retryLoop(env, FIXED_RETRY_ATTEMPTS, () => FIXED_RETRY_DELAY_MS);
  },
};
