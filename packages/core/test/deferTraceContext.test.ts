import { describe, expect, it } from 'vitest';
import { DEFER_TRACE_CONTEXT, InMemoryDeferrer, isTraceparent } from '../src/index.js';
import { overloaded } from './fixtures.js';
import { script, settle, setupWithoutAdmission } from './harness.js';

const opus = 'claude-opus-4-7';
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** A policy that defers its first overloaded call, with `slot` left in each call's context at its start (as telemetry does). */
async function deferWith(slot: unknown) {
  const deferrer = new InMemoryDeferrer();
  const { clock, policy } = setupWithoutAdmission({ abandon: { deferrer, deferIfRemainingMs: 60_000 } });
  policy.onCallStart(({ call }) => {
    if (slot !== undefined) call.context.set(DEFER_TRACE_CONTEXT, slot);
  });
  const { fn } = script(clock, [overloaded(), 'never']);
  await settle(clock, policy.execute(fn, { model: opus, deadlineMs: 3_600_000, deferPayload: { prompt: 'hi' } }));
  expect(deferrer.size).toBe(1);
  return [...deferrer.tasks.values()][0]!;
}

describe('the deferred call\'s trace context', () => {
  it('goes with the task when telemetry leaves a traceparent reader in the call\'s context', async () => {
    expect(await deferWith(() => TRACEPARENT)).toMatchObject({ traceparent: TRACEPARENT, callId: 1 });
  });

  it('is left out without telemetry', async () => {
    expect(await deferWith(undefined)).not.toHaveProperty('traceparent');
  });

  it('is left out, and the call still deferred, when the reader throws or gives no valid traceparent', async () => {
    expect(await deferWith(() => { throw new Error('broken'); })).not.toHaveProperty('traceparent');
    expect(await deferWith(() => 'not-a-traceparent')).not.toHaveProperty('traceparent');
    expect(await deferWith(TRACEPARENT)).not.toHaveProperty('traceparent');
  });

  it('accepts only well-formed version-00 traceparents with non-zero ids', () => {
    expect(isTraceparent(TRACEPARENT)).toBe(true);
    expect(isTraceparent('00-00000000000000000000000000000000-b7ad6b7169203331-01')).toBe(false);
    expect(isTraceparent('00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01')).toBe(false);
    expect(isTraceparent('01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toBe(false);
    expect(isTraceparent(TRACEPARENT.toUpperCase())).toBe(false);
    expect(isTraceparent(42)).toBe(false);
  });
});
