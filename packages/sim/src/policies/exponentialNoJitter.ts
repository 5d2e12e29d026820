import type { PolicyUnderTest } from './PolicyUnderTest.js';
import { retryLoop } from './retryLoop.js';

/** The delay after attempt n (1-based) is `EXPONENTIAL_BASE_MS · 2^(n-1)`: 1, 2, 4, 8 s. */
export const EXPONENTIAL_BASE_MS = 1000;
/** Attempts per call, the first included. */
export const EXPONENTIAL_ATTEMPTS = 5;

/**
 * Policy 2, textbook exponential backoff without jitter: waits of 1, 2, 4 and 8 s, 5
 * attempts in all. Every client that failed at the same instant retries at the same
 * instant: the retries arrive in synchronized waves.
 */
export const exponentialNoJitter: PolicyUnderTest = {
  id: 'exponential',
  label: 'exponential 1-2-4-8 s',
  description: 'Exponential backoff without jitter: waits 1, 2, 4, 8 s, 5 attempts in all (SDK retries off).',
  createCaller(env) {
    return retryLoop(env, EXPONENTIAL_ATTEMPTS, (attempt) => EXPONENTIAL_BASE_MS * 2 ** (attempt - 1));
  },
};
