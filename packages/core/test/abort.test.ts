import { AttemptOutcome, CallOutcome, ErrorType } from '@stormwatch/conventions';
import { describe, expect, it } from 'vitest';
import { isCallAbortedError, isDeadlineExceededError } from '../src/index.js';
import { flush, overloaded } from './fixtures.js';
import { script, settle, setupWithoutAdmission } from './harness.js';

const model = 'claude-opus-4-7';

describe('abort and deadline', () => {
  it('ends a 30 s backoff at once when the caller aborts, leaving no timer behind', async () => {
    const { clock, policy, named } = setupWithoutAdmission();
    const controller = new AbortController();
    const { fn, seen } = script(clock, [overloaded(30_000), 'never']);
    const call = policy.execute(fn, { model, signal: controller.signal }).catch((e: unknown) => e);
    await flush();
    expect(named('onBackoffStart')).toEqual([expect.objectContaining({ plannedMs: 30_000 })]);
    await clock.advance(5);
    controller.abort(new Error('user left'));
    const error = await call;
    expect(isCallAbortedError(error)).toBe(true);
    expect(error).toMatchObject({ attempts: 1, cause: new Error('user left') });
    expect(clock.now()).toBe(5);
    expect(clock.pendingTimers).toBe(0);
    expect(seen).toHaveLength(1);
    expect(named('onBackoffEnd')).toEqual([expect.objectContaining({ plannedMs: 30_000, actualMs: 5, aborted: true })]);
    expect(named('onCallEnd')[0]).toMatchObject({ outcome: CallOutcome.FAILED, errorType: ErrorType.ABORTED, backoffMs: 5 });
  });

  it('does not start a call whose signal is already aborted', async () => {
    const { clock, policy } = setupWithoutAdmission();
    const { fn, seen } = script(clock, [new Error('x')]);
    const { error } = await settle(clock, policy.execute(fn, { model, signal: AbortSignal.abort() }));
    expect(seen).toHaveLength(1);
    expect(isCallAbortedError(error)).toBe(true);
  });

  it('aborts the attempt in flight when the deadline passes', async () => {
    const { clock, policy, named } = setupWithoutAdmission();
    const fn = ({ signal }: { signal: AbortSignal }) => clock.sleep(10_000, signal).then(() => 'late');
    const { error } = await settle(clock, policy.execute(fn, { model, deadlineMs: 5_000 }));
    expect(isDeadlineExceededError(error)).toBe(true);
    expect(clock.now()).toBe(5_000);
    expect(named('onAttemptEnd')).toEqual([expect.objectContaining({ outcome: AttemptOutcome.ABORTED, durationMs: 5_000 })]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('ends a limiter wait when the deadline passes during it', async () => {
    const { clock, policy, named } = setupWithoutAdmission({ limiter: { initialRate: 0.5, minRate: 0.5 } });
    void policy.execute(async () => 'first', { model });
    const { fn, seen } = script(clock, ['never']);
    const { error } = await settle(clock, policy.execute(fn, { model, deadlineMs: 1_000 }));
    expect(isDeadlineExceededError(error)).toBe(true);
    expect(error).toMatchObject({ attempts: 0 });
    expect(clock.now()).toBe(1_000);
    expect(seen).toHaveLength(0);
    expect(named('onLimiterWait')).toEqual([expect.objectContaining({ waitMs: 2_000 })]);
    expect(named('onCallEnd').at(-1)).toMatchObject({ outcome: CallOutcome.FAILED, errorType: ErrorType.DEADLINE_EXCEEDED });
  });

  it('clears the deadline timer when the call succeeds', async () => {
    const { clock, policy } = setupWithoutAdmission();
    await settle(clock, policy.execute(async () => 'ok', { model, deadlineMs: 60_000 }));
    expect(clock.pendingTimers).toBe(0);
    expect(clock.now()).toBe(0);
  });
});
