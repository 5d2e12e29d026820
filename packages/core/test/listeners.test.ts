import { BreakerState, CallOutcome } from '@stormwatch/conventions';
import { describe, expect, it } from 'vitest';
import type { Policy, PolicyOptions } from '../src/index.js';
import { createPolicy, emptyCallDetails, InMemoryDeferrer, isCircuitOpenError, seededRandom, VirtualClock, type CallInfo, type ListenerErrorEvent } from '../src/index.js';
import { brokenStore, classify, connectionReset, overloaded, rateLimited } from './fixtures.js';
import { EVENTS, script, settle } from './harness.js';

const model = 'claude-opus-4-7';

type EventName = (typeof EVENTS)[number];

const OPTIONS: Partial<PolicyOptions> = {
  fallback: { models: ['claude-sonnet-4-6', 'claude-haiku-4-5'] },
  limiter: { initialRate: 1 },
  breaker: { threshold: 2, halfOpenAfterMs: 1000 },
  budget: { ratio: 0, minRetriesPerSecond: 0.2 },
};

/** A deferrer that refuses every task (drives `onDeferFailed`). */
const refusingDeferrer = { defer: () => Promise.reject(new Error('queue is full')) };

/**
 * Plays a fixed sequence of calls that makes the policy emit every event at least once, and
 * returns how each call settled and the events in order. A listener that throws must change
 * neither.
 */
async function exercise(throwOn: EventName | undefined) {
  const clock = new VirtualClock();
  const listenerErrors: ListenerErrorEvent[] = [];
  const make = (extra: Partial<PolicyOptions> = {}): Policy => {
    const policy = createPolicy({ classify, clock, random: seededRandom(1), ...OPTIONS, ...extra });
    policy.onListenerError((e) => listenerErrors.push(e));
    for (const name of EVENTS) {
      policy[name]((event: object) => {
        log.push({ name, event: { ...event } });
        if (name === throwOn) throw new Error(`listener of ${name} broke`);
      });
    }
    return policy;
  };
  const log: Array<{ name: EventName; event: object }> = [];
  const results: unknown[] = [];
  const run = async (policy: Policy, outcomes: unknown[], options: Parameters<Policy['execute']>[1] = { model }) => {
    const { value, error } = await settle(clock, policy.execute(script(clock, outcomes).fn, options));
    results.push(error === undefined ? { value } : { error: (error as Error).name, message: (error as Error).message });
  };

  const main = make();
  // Two overloads on Opus, then Sonnet answers: attempts, a backoff, a fallback, limiter changes.
  await run(main, [overloaded(), overloaded(), 'fallback answer']);
  // Two resets open Opus' breaker (threshold 2); the next call goes straight to Sonnet.
  await run(main, [connectionReset(), connectionReset(), 'after reset']);
  await run(main, ['while open']);
  // The breaker half-opens after 1 s and the probe closes it.
  await clock.advance(1000);
  await run(main, ['probe answer'], { model, allowFallback: false });
  // A burst drains the limiter's bucket: the next call waits for a token.
  await run(main, ['limited'], { model, allowFallback: false });
  // The budget has no retry left for a model that keeps rate limiting.
  const frugal = make({ budget: { ratio: 0, minRetriesPerSecond: 0.1 } });
  await run(frugal, [rateLimited(), rateLimited(), rateLimited()], { model: 'claude-haiku-4-5', allowFallback: false });
  // Results reported after delivery (a stream).
  const call: CallInfo = { id: 99, policy: 'default', model, startedAt: 0, details: emptyCallDetails(), context: new Map() };
  main.reportLateFailure({ call, model, attempt: 1, error: new Error('cut'), details: {} });
  main.reportLateSuccess({ call, model, attempt: 1, details: {} });

  // Hedged abandonment: the deferrer refuses, then the deadline is too close for a wait.
  const abandoning = make({ abandon: { deferrer: refusingDeferrer, deferIfRemainingMs: 1000 }, fallback: { models: [] } });
  await run(abandoning, [overloaded(60_000), 'never'], { model, deadlineMs: 30_000, deferPayload: { body: 1 } });
  const deferring = make({ abandon: { deferrer: new InMemoryDeferrer(), deferIfRemainingMs: 1000 } });
  await run(deferring, [overloaded()], { model, deadlineMs: 30_000, deferPayload: { body: 2 } });

  // A store that rejects everything: the call goes on at local pace, the store's error reported.
  await run(make({ store: brokenStore() }), ['despite the store'], { model, allowFallback: false });

  return { results, log, listenerErrors, main };
}

describe('a listener that throws never changes what a call does', () => {
  it('the exercise emits every event (so the table below tests each)', async () => {
    const { log, listenerErrors } = await exercise(undefined);
    const seen = new Set(log.map((e) => e.name));
    expect(EVENTS.filter((name) => !seen.has(name))).toEqual([]);
    expect(listenerErrors).toEqual([]);
  });

  it.each(EVENTS)('%s: same results, same events, the error reported through onListenerError', async (name) => {
    const baseline = await exercise(undefined);
    const broken = await exercise(name);
    expect(broken.results).toEqual(baseline.results);
    expect(broken.log).toEqual(baseline.log);
    const count = baseline.log.filter((e) => e.name === name).length;
    expect(broken.listenerErrors).toHaveLength(count);
    expect(broken.listenerErrors[0]).toMatchObject({ event: name, error: expect.objectContaining({ message: `listener of ${name} broke` }) });
  });

  it('a throwing onAttemptStart listener in half-open does not keep the probe slot (bug 1)', async () => {
    const clock = new VirtualClock();
    const policy = createPolicy({ classify, clock, random: seededRandom(1), maxAttempts: 1, budget: false, breaker: { threshold: 1, halfOpenAfterMs: 100 } });
    policy.onListenerError(() => undefined);
    await settle(clock, policy.execute(script(clock, [connectionReset()]).fn, { model }));
    await clock.advance(100);
    expect(policy.breakerState(model)).toBe(BreakerState.HALF_OPEN);
    const once = policy.onAttemptStart(() => {
      throw new Error('broken listener');
    });
    const probe = await settle(clock, policy.execute(script(clock, ['probe']).fn, { model }));
    once.dispose();
    expect(probe).toEqual({ value: 'probe' });
    expect(policy.breakerState(model)).toBe(BreakerState.CLOSED);
    const later = await settle(clock, policy.execute(script(clock, ['later']).fn, { model }));
    expect(isCircuitOpenError(later.error)).toBe(false);
    expect(later.value).toBe('later');
  });

  it('a throwing onCallEnd listener leaves a success a success, ended once (bug 2)', async () => {
    const clock = new VirtualClock();
    const policy = createPolicy({ classify, clock, random: seededRandom(1) });
    const ends: CallOutcome[] = [];
    const errors: ListenerErrorEvent[] = [];
    policy.onListenerError((e) => errors.push(e));
    policy.onCallEnd((e) => {
      ends.push(e.outcome);
      throw new Error('broken listener');
    });
    const { value, error } = await settle(clock, policy.execute(script(clock, ['answer']).fn, { model }));
    expect(error).toBeUndefined();
    expect(value).toBe('answer');
    expect(ends).toEqual([CallOutcome.SUCCESS]);
    expect(errors.map((e) => e.event)).toEqual(['onCallEnd']);
  });

  it('without an onListenerError listener, the error becomes a process warning, the call goes on', async () => {
    const clock = new VirtualClock();
    const policy = createPolicy({ classify, clock, random: seededRandom(1) });
    policy.onCallStart(() => {
      throw new Error('broken listener');
    });
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const { value } = await settle(clock, policy.execute(script(clock, ['answer']).fn, { model }));
      await new Promise((r) => setImmediate(r));
      expect(value).toBe('answer');
      expect(warnings.map((w) => w.message)).toEqual([expect.stringContaining('onCallStart listener threw: broken listener')]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a throwing onListenerError listener is swallowed, not reported in a loop', async () => {
    const clock = new VirtualClock();
    const policy = createPolicy({ classify, clock, random: seededRandom(1) });
    policy.onListenerError(() => {
      throw new Error('even the reporter broke');
    });
    policy.onCallStart(() => {
      throw new Error('broken listener');
    });
    const { value } = await settle(clock, policy.execute(script(clock, ['answer']).fn, { model }));
    expect(value).toBe('answer');
  });
});

describe('admission and release are paired', () => {
  it('a probe whose limiter wait is aborted gives its slot back', async () => {
    const clock = new VirtualClock();
    const policy = createPolicy({ classify, clock, random: seededRandom(1), maxAttempts: 1, budget: false, breaker: { threshold: 1, halfOpenAfterMs: 100 }, limiter: { initialRate: 1 } });
    await settle(clock, policy.execute(script(clock, [connectionReset()]).fn, { model }));
    await clock.advance(100);
    expect(policy.breakerState(model)).toBe(BreakerState.HALF_OPEN);
    // The bucket is empty (one call took its token): the probe waits for the limiter, and is aborted there.
    const controller = new AbortController();
    const probe = policy.execute(script(clock, ['never']).fn, { model, signal: controller.signal });
    await clock.advance(10);
    controller.abort(new Error('caller gave up'));
    const aborted = await settle(clock, probe);
    expect(aborted.error).toMatchObject({ name: 'CallAbortedError', attempts: 0 });
    await clock.advance(2000);
    const next = await settle(clock, policy.execute(script(clock, ['answer']).fn, { model }));
    expect(next.value).toBe('answer');
  });
});
