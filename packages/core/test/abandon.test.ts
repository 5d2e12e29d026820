import { AbandonDecision, CallOutcome, ErrorType, FallbackReason } from '@stormwatch/conventions';
import { describe, expect, it } from 'vitest';
import { InMemoryDeferrer, isCallDeferredError, isDeadlineExceededError, type DeferReceipt, type DeferredTask } from '../src/index.js';
import { overloaded } from './fixtures.js';
import { script, settle, setupWithoutAdmission } from './harness.js';

const opus = 'claude-opus-4-7';
const sonnet = 'claude-sonnet-4-6';
const haiku = 'claude-haiku-4-5';
const minutes = (n: number) => n * 60_000;

describe('hedged abandonment', () => {
  it('defers a call whose deadline is far away instead of retrying now', async () => {
    const deferrer = new InMemoryDeferrer();
    const { clock, policy, named } = setupWithoutAdmission({ abandon: { deferrer, deferIfRemainingMs: minutes(5) } });
    const { fn, seen } = script(clock, [overloaded(), 'never']);
    const { error } = await settle(clock, policy.execute(fn, { model: opus, deadlineMs: minutes(30), deferPayload: { prompt: 'hi' } }));
    expect(seen).toHaveLength(1);
    expect(isCallDeferredError(error)).toBe(true);
    expect(error).toMatchObject({ receipt: { id: 'deferred-1', deferredAt: 0 } });
    expect([...deferrer.tasks.values()]).toEqual([
      { callId: 1, policy: 'default', model: opus, payload: { prompt: 'hi' }, deferredAt: 0, deadlineAt: minutes(30), reason: ErrorType.OVERLOADED },
    ]);
    expect(named('onAbandon')).toEqual([{ call: expect.objectContaining({ id: 1 }), decision: AbandonDecision.DEFER, deadlineRemainingMs: minutes(30), attempts: 1 }]);
    expect(named('onCallEnd')[0]).toMatchObject({ outcome: CallOutcome.DEFERRED, errorType: ErrorType.OVERLOADED });
  });

  it('retries normally when the call site gives nothing to defer', async () => {
    const deferrer = new InMemoryDeferrer();
    const { clock, policy } = setupWithoutAdmission({ abandon: { deferrer } });
    const { fn, seen } = script(clock, [overloaded(), 'ok']);
    expect(await settle(clock, policy.execute(fn, { model: opus, deadlineMs: minutes(30) }))).toEqual({ value: 'ok' });
    expect(seen).toHaveLength(2);
    expect(deferrer.size).toBe(0);
  });

  it('keeps retrying when the deferrer refuses, and says so', async () => {
    const deferrer = { defer: (_task: DeferredTask): Promise<DeferReceipt> => Promise.reject(new Error('queue down')) };
    const { clock, policy, named } = setupWithoutAdmission({ abandon: { deferrer } });
    const { fn, seen } = script(clock, [overloaded(), 'ok']);
    expect(await settle(clock, policy.execute(fn, { model: opus, deferPayload: 1 }))).toEqual({ value: 'ok' });
    expect(seen).toHaveLength(2);
    expect(named('onDeferFailed')).toEqual([{ call: expect.objectContaining({ id: 1 }), error: new Error('queue down') }]);
  });

  it('falls back to the cheapest model when the deadline is tight', async () => {
    const { clock, policy, named } = setupWithoutAdmission({ fallback: { models: [sonnet, haiku] }, abandon: { fallbackIfRemainingMs: 10_000 } });
    const { fn, seen } = script(clock, [overloaded(), 'from haiku']);
    expect(await settle(clock, policy.execute(fn, { model: opus, deadlineMs: 8_000 }))).toEqual({ value: 'from haiku' });
    expect(seen).toEqual([
      { model: opus, attempt: 1, at: 0 },
      { model: haiku, attempt: 2, at: 0 },
    ]);
    expect(named('onAbandon')).toEqual([expect.objectContaining({ decision: AbandonDecision.FALLBACK, deadlineRemainingMs: 8_000 })]);
    expect(named('onFallback')).toEqual([expect.objectContaining({ fromModel: opus, toModel: haiku, reason: FallbackReason.DEADLINE })]);
  });

  it('errors at once when the wait would not fit the deadline and no fallback exists', async () => {
    const { clock, policy, named } = setupWithoutAdmission({ abandon: {} });
    const last = overloaded(10_000);
    const { fn, seen } = script(clock, [last]);
    const { error } = await settle(clock, policy.execute(fn, { model: opus, deadlineMs: 3_000 }));
    expect(seen).toHaveLength(1);
    expect(isDeadlineExceededError(error)).toBe(true);
    expect(error).toMatchObject({ deadlineMs: 3_000, attempts: 1, cause: last });
    expect(clock.now()).toBe(0);
    expect(named('onAbandon')).toEqual([expect.objectContaining({ decision: AbandonDecision.ERROR, deadlineRemainingMs: 3_000 })]);
    expect(named('onCallEnd')[0]).toMatchObject({ outcome: CallOutcome.FAILED, errorType: ErrorType.DEADLINE_EXCEEDED });
  });
});
