import { BreakerState, CallOutcome, ErrorType } from '@stormwatch/conventions';
import { describe, expect, it } from 'vitest';
import type { CircuitOpenError} from '../src/index.js';
import { isCircuitOpenError } from '../src/index.js';
import { badRequest, connectionReset } from './fixtures.js';
import { script, settle, setupWithoutAdmission } from './harness.js';

const model = 'claude-opus-4-7';
const oneShot = { maxAttempts: 1, budget: false as const };

describe('circuit breaker per model', () => {
  it('opens after 5 consecutive failures and says when it half-opens', async () => {
    const { clock, policy, named } = setupWithoutAdmission(oneShot);
    for (let i = 0; i < 5; i++) await settle(clock, policy.execute(script(clock, [connectionReset()]).fn, { model }));
    expect(policy.breakerState(model)).toBe(BreakerState.OPEN);
    expect(named('onBreakerTransition')).toEqual([
      { key: model, policy: 'default', from: BreakerState.CLOSED, to: BreakerState.OPEN, at: 0, call: expect.objectContaining({ id: 5 }) },
    ]);

    await clock.advance(10_000);
    const { fn, seen } = script(clock, ['never']);
    const { error } = await settle(clock, policy.execute(fn, { model }));
    expect(seen).toHaveLength(0);
    expect(isCircuitOpenError(error)).toBe(true);
    expect(error).toMatchObject({ key: model, halfOpensAt: 30_000, retryAfterMs: 20_000 });
    expect((error as CircuitOpenError).message).toBe(`circuit for ${model} is open; it half-opens in 20000 ms`);
    expect(named('onCallEnd').at(-1)).toMatchObject({ outcome: CallOutcome.REJECTED, errorType: ErrorType.CIRCUIT_OPEN, attempts: 0 });
  });

  it('half-opens after 30 s, lets one probe through, and closes on its success', async () => {
    const { clock, policy, named } = setupWithoutAdmission(oneShot);
    for (let i = 0; i < 5; i++) await settle(clock, policy.execute(script(clock, [connectionReset()]).fn, { model }));
    await clock.advance(30_000);
    expect(policy.breakerState(model)).toBe(BreakerState.HALF_OPEN);

    let release!: (v: string) => void;
    const probe = policy.execute(() => new Promise<string>((r) => (release = r)), { model });
    const second = await settle(clock, policy.execute(script(clock, ['never']).fn, { model }));
    expect(isCircuitOpenError(second.error)).toBe(true);
    release('ok');
    expect(await probe).toBe('ok');
    expect(policy.breakerState(model)).toBe(BreakerState.CLOSED);
    expect(named('onBreakerTransition').map((e) => [e.from, e.to])).toEqual([
      [BreakerState.CLOSED, BreakerState.OPEN],
      [BreakerState.OPEN, BreakerState.HALF_OPEN],
      [BreakerState.HALF_OPEN, BreakerState.CLOSED],
    ]);
    expect(named('onAttemptStart').at(-1)).toMatchObject({ breakerState: BreakerState.HALF_OPEN });
  });

  it('opens again when the probe fails', async () => {
    const { clock, policy } = setupWithoutAdmission(oneShot);
    for (let i = 0; i < 5; i++) await settle(clock, policy.execute(script(clock, [connectionReset()]).fn, { model }));
    await clock.advance(30_000);
    await settle(clock, policy.execute(script(clock, [connectionReset()]).fn, { model }));
    expect(policy.breakerState(model)).toBe(BreakerState.OPEN);
    const { error } = await settle(clock, policy.execute(script(clock, ['never']).fn, { model }));
    expect(error).toMatchObject({ halfOpensAt: 60_000 });
  });

  it('does not count a 400 against the model', async () => {
    const { clock, policy } = setupWithoutAdmission(oneShot);
    for (let i = 0; i < 4; i++) await settle(clock, policy.execute(script(clock, [connectionReset()]).fn, { model }));
    await settle(clock, policy.execute(script(clock, [badRequest()]).fn, { model }));
    await settle(clock, policy.execute(script(clock, [connectionReset()]).fn, { model }));
    expect(policy.breakerState(model)).toBe(BreakerState.CLOSED);
  });

  it('keeps one breaker per model', async () => {
    const { clock, policy } = setupWithoutAdmission({ ...oneShot, breaker: { threshold: 2 } });
    for (let i = 0; i < 2; i++) await settle(clock, policy.execute(script(clock, [connectionReset()]).fn, { model }));
    expect(policy.breakerStates()).toEqual(new Map([[model, BreakerState.OPEN]]));
    expect(policy.breakerState('claude-sonnet-4-6')).toBe(BreakerState.CLOSED);
    expect(await settle(clock, policy.execute(script(clock, ['ok']).fn, { model: 'claude-sonnet-4-6' }))).toEqual({ value: 'ok' });
  });

  it('can use a sampling breaker', async () => {
    const { clock, policy } = setupWithoutAdmission({ ...oneShot, breaker: { threshold: { sampling: { threshold: 0.5, durationMs: 60_000, minimumRps: 0.01 } } } });
    await settle(clock, policy.execute(script(clock, [connectionReset()]).fn, { model }));
    expect(policy.breakerState(model)).toBe(BreakerState.OPEN);
  });

  it('can be turned off', async () => {
    const { clock, policy } = setupWithoutAdmission({ ...oneShot, breaker: false });
    for (let i = 0; i < 10; i++) await settle(clock, policy.execute(script(clock, [connectionReset()]).fn, { model }));
    expect(policy.breakerStates().size).toBe(0);
  });
});
