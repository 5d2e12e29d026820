import { AbandonDecision, CallOutcome, ErrorType } from '@stormwatch/conventions';
import { describe, expect, it } from 'vitest';
import { admissionWaitLimit } from '../src/decide/admissionWaitLimit.js';
import { AdaptiveRate, AdmissionQueue, InMemoryDeferrer, isCallDeferredError, RateLimitPause, VirtualClock, type Deferrer } from '../src/index.js';
import { overloaded } from './fixtures.js';
import { script, settle, setup } from './harness.js';

const model = 'claude-sonnet-4-6';
const hour = 3_600_000;

describe('admissionWaitLimit', () => {
  const rules = { fallbackAfterMs: 2000, deferIfRemainingMs: 300_000, deferIfWaitOverMs: 30_000 };
  it.each([
    ['nowhere to go: wait for the deadline', { canFallBack: false, canDefer: false, remainingMs: hour }, Infinity, Infinity],
    ['a next model: fallbackAfterMs, estimated', { canFallBack: true, canDefer: false, remainingMs: hour }, 2000, Infinity],
    ['deferrable with a far deadline: deferIfWaitOverMs, estimated or spent', { canFallBack: false, canDefer: true, remainingMs: hour }, 30_000, 30_000],
    ['deferrable with no deadline: deferIfWaitOverMs', { canFallBack: false, canDefer: true, remainingMs: Infinity }, 30_000, 30_000],
    ['deferrable, but the deadline is near: wait for it', { canFallBack: false, canDefer: true, remainingMs: 299_999 }, Infinity, Infinity],
    ['both: the shorter estimate, the deferral’s release', { canFallBack: true, canDefer: true, remainingMs: hour }, 2000, 30_000],
  ])('%s', (_name, facts, maxWaitMs, releaseAfterMs) => {
    expect(admissionWaitLimit(facts, rules)).toEqual({ maxWaitMs, releaseAfterMs });
  });
});

describe('a waiting call with a release time', () => {
  it('is let go (long_wait) when it has waited that long, however soon its turn was estimated', async () => {
    const clock = new VirtualClock();
    const rate = new AdaptiveRate({ minRate: 0.01, doublingMs: 1e9, calmAfterMs: 1e9, calmRate: 0 });
    rate.onOverload(0); // one slot per 100 s
    const queue = new AdmissionQueue(clock, rate, new RateLimitPause(), 100, () => 0);
    expect(queue.tryAdmitNow(0)).toBe(true); // the slot at 0 is taken: the next is at 100 s
    const waiting = queue.admit(Infinity, undefined, Infinity, 30_000);
    await clock.advance(29_999);
    expect(queue.depth).toBe(1);
    await clock.advance(1001);
    expect(await waiting).toMatchObject({ admitted: false, reason: 'long_wait', waitedMs: 30_000, estimatedWaitMs: expect.closeTo(70_000, -1) });
    expect(queue.depth).toBe(0);
  });

  it('is admitted as usual when its turn comes first', async () => {
    const clock = new VirtualClock();
    const rate = new AdaptiveRate({ minRate: 0.1, doublingMs: 1e9, calmAfterMs: 1e9, calmRate: 0 });
    rate.onOverload(0); // one slot per 10 s
    const queue = new AdmissionQueue(clock, rate, new RateLimitPause(), 100, () => 0);
    expect(queue.tryAdmitNow(0)).toBe(true);
    const waiting = queue.admit(Infinity, undefined, Infinity, 30_000);
    await clock.advance(10_000);
    expect(await waiting).toMatchObject({ admitted: true, waitedMs: expect.closeTo(10_000, -1) });
  });
});

/** A model paced at one call per 50 s, and one call already holding the next turn. */
async function pacedWithBacklog(deferrer: Deferrer, deferIfWaitOverMs?: number) {
  const s = setup({
    admission: { minRate: 0.02, doublingMs: 1e9, calmAfterMs: 1e9, calmRate: 0 },
    abandon: { deferrer, ...(deferIfWaitOverMs === undefined ? {} : { deferIfWaitOverMs }) },
    budget: false,
  });
  await settle(s.clock, s.policy.execute(script(s.clock, [overloaded(), 'ok']).fn, { model }));
  const waiting = s.policy.execute(script(s.clock, ['queued answer']).fn, { model });
  return { ...s, waiting };
}

describe('a deferrable call whose admission wait would be long', () => {
  it('goes to the deferrer at once instead of waiting in memory', async () => {
    const deferrer = new InMemoryDeferrer();
    const { clock, policy, named, waiting } = await pacedWithBacklog(deferrer);
    const { fn, seen } = script(clock, ['never sent']);
    const started = clock.now();
    const deferred = await settle(clock, policy.execute(fn, { model, deadlineMs: 2 * hour, deferPayload: { prompt: 'summarise' } }));
    expect(isCallDeferredError(deferred.error)).toBe(true);
    expect(seen).toEqual([]);
    expect(deferrer.drain().map(([, task]) => task)).toEqual([expect.objectContaining({ model, payload: { prompt: 'summarise' }, reason: ErrorType.OVERLOADED, deferredAt: started })]);
    expect(named('onAdmission')).toContainEqual(expect.objectContaining({ admitted: false, reason: 'long_wait' }));
    expect(named('onAbandon')).toContainEqual(expect.objectContaining({ decision: AbandonDecision.DEFER }));
    expect(named('onCallEnd')).toContainEqual(expect.objectContaining({ outcome: CallOutcome.DEFERRED, attempts: 0 }));
    expect(await waiting).toBe('queued answer');
  });

  it('waits its turn when the wait is under deferIfWaitOverMs', async () => {
    const { clock, policy, waiting } = await pacedWithBacklog(new InMemoryDeferrer(), 10 * 60_000);
    const { fn, seen } = script(clock, ['answered']);
    const { value } = await settle(clock, policy.execute(fn, { model, deadlineMs: 2 * hour, deferPayload: { prompt: 'summarise' } }));
    expect(value).toBe('answered');
    expect(seen).toHaveLength(1);
    expect(await waiting).toBe('queued answer');
  });

  it('waits its turn when the deadline is too near to defer', async () => {
    const deferrer = new InMemoryDeferrer();
    const { clock, policy, waiting } = await pacedWithBacklog(deferrer);
    const { value } = await settle(clock, policy.execute(script(clock, ['answered']).fn, { model, deadlineMs: 4 * 60_000, deferPayload: { prompt: 'p' } }));
    expect(value).toBe('answered');
    expect(deferrer.drain()).toEqual([]);
    expect(await waiting).toBe('queued answer');
  });

  it('waits after all when the deferrer refuses, and asks it once', async () => {
    let asked = 0;
    const refusing: Deferrer = {
      defer: async () => {
        asked++;
        throw new Error('queue file is read-only');
      },
    };
    const { clock, policy, named, waiting } = await pacedWithBacklog(refusing);
    const { value } = await settle(clock, policy.execute(script(clock, ['answered']).fn, { model, deadlineMs: 2 * hour, deferPayload: { prompt: 'p' } }));
    expect(value).toBe('answered');
    expect(asked).toBe(1);
    expect(named('onDeferFailed')).toHaveLength(1);
    expect(await waiting).toBe('queued answer');
  });
});
