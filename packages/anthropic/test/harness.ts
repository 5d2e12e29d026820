import Anthropic from '@anthropic-ai/sdk';
import { VirtualClock, type Policy } from '@stormwatch/core';
import { FakeAnthropic, type Behaviour } from '@stormwatch/fake-anthropic';
import { resilient, type ResilientOptions } from '../src/index.js';

export const opus = 'claude-opus-4-6';
export const sonnet = 'claude-sonnet-4-6';
export const messages = [{ role: 'user' as const, content: 'Why do retries storm?' }];

/** The real SDK against a fake server, under a policy on a virtual clock. */
export async function setup(script: Behaviour[], options: ResilientOptions = {}) {
  const server = await FakeAnthropic.start({ script });
  const clock = new VirtualClock();
  const sdk = new Anthropic({ baseURL: server.url, apiKey: 'test-key' });
  const client = resilient(sdk, {
    ...options,
    ...(typeof options.policy === 'object' ? {} : { policyOptions: { clock, random: () => 0.5, breaker: false, ...options.policyOptions } }),
  });
  const events = record(client.policy);
  return { server, clock, client, events };
}

export function record(policy: Policy) {
  const events = { attempts: [] as Array<Record<string, unknown>>, calls: [] as Array<Record<string, unknown>>, late: [] as Array<Record<string, unknown>>, backoffs: [] as number[] };
  policy.onAttemptEnd((e) => events.attempts.push({ ...e }));
  policy.onCallEnd((e) => events.calls.push({ ...e }));
  policy.onLateFailure((e) => events.late.push({ ...e }));
  policy.onBackoffStart((e) => events.backoffs.push(e.plannedMs));
  return events;
}

/**
 * Settles a call whose waits run on the virtual clock while its HTTP runs for real: lets
 * I/O progress, and whenever only sleepers remain, wakes the next one.
 */
export async function drive<T>(clock: VirtualClock, promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  let settled = false;
  const result = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  ).finally(() => (settled = true));
  while (!settled) {
    await new Promise((r) => setTimeout(r, 5));
    if (!settled && clock.pendingTimers > 0) await clock.runNext();
  }
  return result;
}
