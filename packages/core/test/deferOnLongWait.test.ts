import { AbandonDecision, CallOutcome, ErrorType } from '@stormwatch/conventions';
import { describe, expect, it } from 'vitest';
import { admissionWaitLimit } from '../src/decide/admissionWaitLimit.js';
import { InMemoryDeferrer, isCallDeferredError, type Deferrer } from '../src/index.js';
import { overloaded } from './fixtures.js';
import { script, settle, setup } from './harness.js';

const model = 'claude-sonnet-4-6';
const hour = 3_600_000;

describe('admissionWaitLimit', () => {
  const rules = { fallbackAfterMs: 2000, deferIfRemainingMs: 300_000, deferIfWaitOverMs: 30_000 };
  it.each([
    ['nowhere to go: wait for the deadline', { canFallBack: false, canDefer: false, remainingMs: hour }, Infinity],
    ['a next model: fallbackAfterMs', { canFallBack: true, canDefer: false, remainingMs: hour }, 2000],
    ['deferrable with a far deadline: deferIfWaitOverMs', { canFallBack: false, canDefer: true, remainingMs: hour }, 30_000],
    ['deferrable with no deadline: deferIfWaitOverMs', { canFallBack: false, canDefer: true, remainingMs: Infinity }, 30_000],
    ['deferrable, but the deadline is near: wait for it', { canFallBack: false, canDefer: true, remainingMs: 299_999 }, Infinity],
    ['both: the shorter', { canFallBack: true, canDefer: true, remainingMs: hour }, 2000],
  ])('%s', (_name, facts, limit) => {
    expect(admissionWaitLimit(facts, rules)).toBe(limit);
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
