import {
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  fullJitterGenerator,
  handleWhen,
  retry,
  wrap,
} from 'cockatiel';
import type { PolicyUnderTest } from './PolicyUnderTest.js';
import { createSdkClient, isTransient, sendMessage } from './sendMessage.js';

/** Full-jitter base delay, in ms: the wait after attempt n is uniform in [0, min(cap, base·2^(n-1))). */
export const FULL_JITTER_BASE_MS = 1000;
/** Full-jitter cap, in ms. */
export const FULL_JITTER_CAP_MS = 30_000;
/** Attempts per call, the first included (as policy 2, so that jitter and breaker are the difference). */
export const FULL_JITTER_ATTEMPTS = 5;
/** Consecutive failures that open the breaker. */
export const BREAKER_THRESHOLD = 5;
/** Time the breaker stays open before a half-open probe, in ms. */
export const BREAKER_HALF_OPEN_MS = 30_000;

/**
 * Policy 5, the widely recommended setup: full-jitter exponential backoff (AWS
 * architecture blog; base 1 s, cap 30 s, 5 attempts) around a circuit breaker that opens
 * after 5 consecutive failures and probes after 30 s. Built from cockatiel's real
 * `fullJitterGenerator`, `ConsecutiveBreaker` and policies. A call refused by the open
 * breaker fails at once (it is not retried).
 */
export const fullJitterBreaker: PolicyUnderTest = {
  id: 'jitter-breaker',
  label: 'full jitter + breaker',
  description:
    'Full-jitter exponential backoff (base 1 s, cap 30 s, 5 attempts) around a breaker of 5 consecutive failures / 30 s (cockatiel).',
  createCaller(env) {
    const client = createSdkClient(env, 0);
    const policy = wrap(
      retry(handleWhen(isTransient), {
        maxAttempts: FULL_JITTER_ATTEMPTS - 1,
        backoff: new ExponentialBackoff({
          generator: fullJitterGenerator,
          initialDelay: FULL_JITTER_BASE_MS,
          maxDelay: FULL_JITTER_CAP_MS,
        }),
      }),
      circuitBreaker(handleWhen(isTransient), {
        halfOpenAfter: BREAKER_HALF_OPEN_MS,
        breaker: new ConsecutiveBreaker(BREAKER_THRESHOLD),
      }),
    );
    return (call) => policy.execute(() => sendMessage(client, call));
  },
};
