import type { Caller, ClientEnv } from './PolicyUnderTest.js';
import { createSdkClient, isTransient, sendMessage } from './sendMessage.js';

/**
 * The hand-written retry loop of the naive policies: send through an SDK client with its
 * own retries off; on a transient error wait `delayAfterMs(attempt)` (attempt is 1-based)
 * and send again, `attempts` in all, the first included.
 */
export function retryLoop(env: ClientEnv, attempts: number, delayAfterMs: (attempt: number) => number): Caller {
  const client = createSdkClient(env, 0);
  return async (call) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await sendMessage(client, call);
      } catch (error) {
        if (attempt >= attempts || !isTransient(error)) throw error;
        await env.clock.sleep(delayAfterMs(attempt));
      }
    }
  };
}
