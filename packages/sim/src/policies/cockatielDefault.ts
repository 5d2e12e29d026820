import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { PolicyUnderTest } from './PolicyUnderTest.js';
import { createSdkClient, isTransient, sendMessage } from './sendMessage.js';

/** cockatiel's `maxAttempts` counts retries: 3 retries, 4 attempts in all. */
export const COCKATIEL_MAX_RETRIES = 3;

/**
 * Policy 4, cockatiel as its README sets it up: `retry(handler, { maxAttempts: 3,
 * backoff: new ExponentialBackoff() })`, i.e. the real `ExponentialBackoff` with its
 * defaults (decorrelated jitter, initial delay 128 ms, cap 30 s) and cockatiel's real
 * `RetryPolicy` sleeping through the global `setTimeout` (virtual in the storm lab).
 * Handles the same transient errors as the other loops; SDK retries off.
 */
export const cockatielDefault: PolicyUnderTest = {
  id: 'cockatiel',
  label: 'cockatiel defaults',
  description:
    "cockatiel's retry with its default ExponentialBackoff (decorrelated jitter, 128 ms initial, 30 s cap), maxAttempts 3 (4 attempts).",
  createCaller(env) {
    const client = createSdkClient(env, 0);
    const policy = retry(handleWhen(isTransient), {
      maxAttempts: COCKATIEL_MAX_RETRIES,
      backoff: new ExponentialBackoff(),
    });
    return (call) => policy.execute(() => sendMessage(client, call));
  },
};
