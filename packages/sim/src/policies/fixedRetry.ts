import type { PolicyUnderTest } from './PolicyUnderTest.js';
import { createSdkClient, isTransient, sendMessage } from './sendMessage.js';

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
    const client = createSdkClient(env, 0);
    return async (call) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await sendMessage(client, call);
        } catch (error) {
          if (attempt >= FIXED_RETRY_ATTEMPTS || !isTransient(error)) throw error;
          await env.clock.sleep(FIXED_RETRY_DELAY_MS);
        }
      }
    };
  },
};
