import type { PolicyUnderTest } from './PolicyUnderTest.js';
import { createSdkClient, sendMessage } from './sendMessage.js';

/**
 * Policy 3, the Anthropic SDK's own retries with their defaults, run for real: the SDK
 * client is built without `maxRetries` (so 2 retries, 3 attempts), and its retry loop
 * sleeps `min(0.5 s · 2^n, 8 s) · (1 - 0.25·random)` or the server's `retry-after`
 * through the global `setTimeout` and `Math.random`, which the storm lab's
 * {@link VirtualRuntime} routes to the virtual clock and the seeded random source.
 * Errors inside a stream (after HTTP 200) are not retried by the SDK.
 */
export const sdkDefault: PolicyUnderTest = {
  id: 'sdk-default',
  label: 'SDK default (maxRetries 2)',
  description:
    "The Anthropic SDK's built-in retries as shipped: maxRetries 2, 0.5-8 s exponential backoff with up to 25 % jitter, honours retry-after.",
  createCaller(env) {
    const client = createSdkClient(env, undefined);
    return (call) => sendMessage(client, call);
  },
};
