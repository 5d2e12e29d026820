import { CallOutcome, FallbackReason } from '@stormwatch/conventions';
import { describe, expect, it } from 'vitest';
import { isRetriesExhaustedError } from '../src/index.js';
import { connectionReset, overloaded } from './fixtures.js';
import { script, settle, setupWithoutAdmission } from './harness.js';

const opus = 'claude-opus-4-7';
const sonnet = 'claude-sonnet-4-6';
const haiku = 'claude-haiku-4-5';

describe('fallback chain', () => {
  it('moves to the next model after 2 overloads, at once', async () => {
    const { clock, policy, named } = setupWithoutAdmission({ fallback: { models: [sonnet, haiku] } });
    const { fn, seen } = script(clock, [overloaded(), overloaded(), 'from sonnet']);
    expect(await settle(clock, policy.execute(fn, { model: opus }))).toEqual({ value: 'from sonnet' });
    expect(seen.map((s) => s.model)).toEqual([opus, opus, sonnet]);
    expect(seen[2]!.at).toBe(seen[1]!.at);
    expect(named('onFallback')).toEqual([{ call: expect.objectContaining({ model: opus }), fromModel: opus, toModel: sonnet, reason: FallbackReason.OVERLOADED, afterAttempt: 2 }]);
    expect(named('onCallEnd')[0]).toMatchObject({ outcome: CallOutcome.FALLBACK_SUCCESS, finalModel: sonnet, attempts: 3 });
  });

  it('does not fall back on errors that are not overloads', async () => {
    const { clock, policy } = setupWithoutAdmission({ fallback: { models: [sonnet] } });
    const { fn, seen } = script(clock, [connectionReset(), connectionReset(), connectionReset()]);
    await settle(clock, policy.execute(fn, { model: opus }));
    expect(seen.map((s) => s.model)).toEqual([opus, opus, opus]);
  });

  it('stays on the model when the call site forbids fallback', async () => {
    const { clock, policy, named } = setupWithoutAdmission({ fallback: { models: [sonnet] } });
    const { fn, seen } = script(clock, [overloaded(), overloaded(), overloaded()]);
    const { error } = await settle(clock, policy.execute(fn, { model: opus, allowFallback: false }));
    expect(seen.map((s) => s.model)).toEqual([opus, opus, opus]);
    expect(isRetriesExhaustedError(error)).toBe(true);
    expect(named('onFallback')).toEqual([]);
  });

  it('lets a call site opt in when the policy forbids by default', async () => {
    const { clock, policy } = setupWithoutAdmission({ fallback: { models: [sonnet], allow: false, afterOverloads: 1 } });
    const { fn, seen } = script(clock, [overloaded(), 'ok']);
    await settle(clock, policy.execute(fn, { model: opus, allowFallback: true }));
    expect(seen.map((s) => s.model)).toEqual([opus, sonnet]);
  });

  it('skips a model whose breaker is open, before any attempt', async () => {
    const { clock, policy, named } = setupWithoutAdmission({ breaker: { threshold: 1 }, maxAttempts: 1, fallback: { models: [sonnet] } });
    await settle(clock, policy.execute(script(clock, [connectionReset()]).fn, { model: opus, allowFallback: false }));
    const { fn, seen } = script(clock, ['ok']);
    expect(await settle(clock, policy.execute(fn, { model: opus }))).toEqual({ value: 'ok' });
    expect(seen).toEqual([{ model: sonnet, attempt: 1, at: 0 }]);
    expect(named('onFallback')).toEqual([expect.objectContaining({ fromModel: opus, toModel: sonnet, reason: FallbackReason.CIRCUIT_OPEN, afterAttempt: 0 })]);
  });

  it('does not spend the failing model’s retry budget on a fallback', async () => {
    const { clock, policy, named } = setupWithoutAdmission({ budget: { ratio: 0, minRetriesPerSecond: 0 }, fallback: { models: [sonnet], afterOverloads: 1 } });
    const { fn, seen } = script(clock, [overloaded(), 'ok']);
    expect(await settle(clock, policy.execute(fn, { model: opus }))).toEqual({ value: 'ok' });
    expect(seen.map((s) => s.model)).toEqual([opus, sonnet]);
    expect(named('onBudgetExhausted')).toEqual([]);
  });
});
