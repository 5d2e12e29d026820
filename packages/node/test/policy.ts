import { ErrorType } from '@stormwatch/conventions';
import { createPolicy, type Policy } from '@stormwatch/core';

export const MODEL = 'claude-sonnet-4-6';

/** A real core policy whose calls succeed at once: what a service does between exports. */
export function quickPolicy(name = 'node-test'): Policy {
  return createPolicy({ name, classify: () => ({ errorType: ErrorType.OTHER, retryable: false, overload: false, slowDown: false }) });
}

/** Runs `n` calls one after another; returns the slowest call's duration in ms and the total. */
export async function runCalls(policy: Policy, n: number): Promise<{ maxMs: number; totalMs: number }> {
  let maxMs = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await policy.execute(async ({ details }) => {
      details.usage = { inputTokens: 10, outputTokens: 5 };
      await new Promise<void>((resolve) => setImmediate(resolve));
      return 'ok';
    }, { model: MODEL });
    maxMs = Math.max(maxMs, performance.now() - t);
  }
  return { maxMs, totalMs: performance.now() - t0 };
}
