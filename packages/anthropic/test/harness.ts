import Anthropic from '@anthropic-ai/sdk';
import { VirtualClock, type Policy } from '@stormwatch/core';
import { FakeAnthropic, type Behaviour } from '@stormwatch/fake-anthropic';
import { resilient, type ResilientOptions } from '../src/index.js';

export const opus = 'claude-opus-4-6';
export const sonnet = 'claude-sonnet-4-6';
export const messages = [{ role: 'user' as const, content: 'Why do retries storm?' }];

/**
 * The real SDK against a fake server, under a policy on a virtual clock. Admission control
 * is off unless a test turns it on (`policyOptions: { admission: {} }`): most suites check
 * how the adapter's classification drives the backoff of the 0.1 loop.
 */
export async function setup(script: Behaviour[], options: ResilientOptions = {}) {
  const server = await FakeAnthropic.start({ script });
  const clock = new VirtualClock();
  const sdk = new Anthropic({ baseURL: server.url, apiKey: 'test-key' });
  const client = resilient(sdk, {
    ...options,
    ...(typeof options.policy === 'object' ? {} : { policyOptions: { clock, random: () => 0.5, breaker: false, admission: false, ...options.policyOptions } }),
  });
  const events = record(client.policy);
  return { server, clock, client, events };
}

/** Per clock: is some policy on it waiting out a backoff, or for admission, right now? */
const backingOff = new WeakMap<object, () => boolean>();

export function record(policy: Policy) {
  let waits = 0;
  policy.onBackoffStart(() => void waits++);
  policy.onBackoffEnd(() => void waits--);
  const queued = () => [...policy.admissionStates().values()].some((s) => s.queueDepth > 0);
  const previous = backingOff.get(policy.clock);
  backingOff.set(policy.clock, () => waits > 0 || queued() || (previous?.() ?? false));
  const events = { attempts: [] as Array<Record<string, unknown>>, calls: [] as Array<Record<string, unknown>>, late: [] as Array<Record<string, unknown>>, backoffs: [] as number[] };
  policy.onAttemptEnd((e) => events.attempts.push({ ...e }));
  policy.onCallEnd((e) => events.calls.push({ ...e }));
  policy.onLateFailure((e) => events.late.push({ ...e }));
  policy.onBackoffStart((e) => events.backoffs.push(e.plannedMs));
  return events;
}

/**
 * Settles a call whose waits run on the virtual clock while its HTTP runs for real: lets
 * I/O progress, and whenever a policy on this clock is waiting out a backoff, moves time to
 * the next timer (the backoff's). Other timers (a call's deadline) are pending during the
 * HTTP too; time never moves for them alone, however slow the machine.
 */
export async function drive<T>(clock: VirtualClock, promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  let settled = false;
  const result = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  ).finally(() => (settled = true));
  while (!settled) {
    await new Promise((r) => setTimeout(r, 5));
    if (!settled && backingOff.get(clock)?.() === true) await clock.runNext();
  }
  return result;
}
