import { CallOutcome } from '@stormwatch/conventions';
import { isBulkheadRejectedError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { createPolicy, livePolicies, onPolicyCreated, VirtualClock } from '../src/index.js';
import { classify } from './fixtures.js';
import { settle, setup } from './harness.js';

describe('configuration', () => {
  it.each([
    [{ maxAttempts: 0 }, RangeError, 'maxAttempts must be an integer >= 1, got 0'],
    [{ maxAttempts: 2.5 }, RangeError, 'maxAttempts must be an integer >= 1, got 2.5'],
    [{ maxRetryAfterMs: -1 }, RangeError, 'maxRetryAfterMs must be a finite number of milliseconds >= 0, got -1'],
    [{ deadlineMs: 0 }, RangeError, 'deadlineMs must be a finite number of milliseconds >= 1, got 0'],
    [{ backoff: { kind: 'linear' } }, RangeError, "backoff.kind must be 'full_jitter' or 'decorrelated_jitter', got \"linear\""],
    [{ breaker: { threshold: 0 } }, RangeError, 'breaker.threshold must be an integer >= 1, got 0'],
    [{ fallback: { models: ['', 'x'] } }, TypeError, 'fallback.models must be an array of model names, got an array'],
    [{ fallback: { models: 'claude' } }, TypeError, 'fallback.models must be an array of model names, got "claude"'],
    [{ bulkhead: { maxConcurrent: 0 } }, RangeError, 'bulkhead.maxConcurrent must be an integer >= 1, got 0'],
    [{ maxAtempts: 3 }, TypeError, 'unknown policy option "maxAtempts"'],
    [{ classify: undefined }, TypeError, 'classify must be a function, got undefined'],
  ])('rejects %j', (bad, type, message) => {
    expect(() => createPolicy({ classify, ...bad } as never)).toThrow(type);
    expect(() => createPolicy({ classify, ...bad } as never)).toThrow(message);
  });

  it('rejects a call without a model', async () => {
    const policy = createPolicy({ classify });
    await expect(policy.execute(async () => 1, { model: '' })).rejects.toThrow('model must be a non-empty string, got ""');
  });

  it('announces every policy it creates', () => {
    const seen: string[] = [];
    const sub = onPolicyCreated((p) => seen.push(p.name));
    const policy = createPolicy({ classify, name: 'announced' });
    sub.dispose();
    expect(seen).toEqual(['announced']);
    expect(livePolicies()).toContain(policy);
  });
});

describe('bulkhead', () => {
  it('rejects a call beyond its capacity', async () => {
    const { clock, policy, named } = setup({ bulkhead: { maxConcurrent: 1 } });
    const first = policy.execute(() => clock.sleep(1000).then(() => 'first'), { model: 'm' });
    const second = await settle(new VirtualClock(), policy.execute(async () => 'second', { model: 'm' }));
    expect(isBulkheadRejectedError(second.error)).toBe(true);
    await clock.runAll();
    expect(await first).toBe('first');
    expect(named('onCallEnd').map((e) => e.outcome)).toEqual([CallOutcome.REJECTED, CallOutcome.SUCCESS]);
  });
});
