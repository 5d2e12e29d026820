import type { Policy, PolicyOptions } from '../src/index.js';
import { createPolicy, seededRandom, VirtualClock } from '../src/index.js';
import { classify } from './fixtures.js';

export type Recorded = { name: string; event: Record<string, unknown> };

/** Every event a policy emits (its listener-error event aside). */
export const EVENTS = [
  'onCallStart',
  'onAttemptStart',
  'onAttemptEnd',
  'onBackoffStart',
  'onBackoffEnd',
  'onBreakerTransition',
  'onFallback',
  'onBudgetExhausted',
  'onAbandon',
  'onDeferFailed',
  'onAdmission',
  'onLimiterWait',
  'onLimiterRate',
  'onCallEnd',
  'onLateFailure',
  'onLateSuccess',
  'onStoreError',
] as const;

/** A policy on a virtual clock with a seeded random source, recording every event. */
export function setup(options: Partial<PolicyOptions> = {}) {
  const clock = new VirtualClock();
  const policy: Policy = createPolicy({ classify, clock, random: seededRandom(1), ...options });
  const events: Recorded[] = [];
  for (const name of EVENTS) policy[name]((event) => events.push({ name, event: event as unknown as Record<string, unknown> }));
  const named = (name: (typeof EVENTS)[number]) => events.filter((e) => e.name === name).map((e) => e.event);
  return { clock, policy, events, named };
}

/**
 * A policy with admission control off: the 0.1 loop, where overloads are retried after a
 * backoff and counted by the breaker (whose open time is a fixed 30 s). The suites of that
 * loop's behaviour (backoff, retry-after, attempts, the breaker on overloads) use it.
 */
export function setupWithoutAdmission(options: Partial<PolicyOptions> = {}) {
  return setup({ admission: false, ...options });
}

/** An attempt function that plays outcomes in order: an Error is thrown, anything else returned. */
export function script(clock: VirtualClock, outcomes: unknown[]) {
  const seen: Array<{ model: string; attempt: number; at: number }> = [];
  const fn = async ({ model, attempt }: { model: string; attempt: number }) => {
    seen.push({ model, attempt, at: clock.now() });
    if (outcomes.length === 0) throw new Error('script ran out of outcomes');
    const next = outcomes.shift();
    if (next instanceof Error) throw next;
    return next;
  };
  return { fn, seen };
}

/** Runs `promise` to completion in virtual time and returns how it settled. */
export async function settle<T>(clock: VirtualClock, promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const result = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await clock.runAll();
  return result;
}
