import { ErrorType } from '@stormwatch/conventions';
import { describe, expect, it } from 'vitest';
import { isRetryBudgetExhaustedError, RetryBudget } from '../src/index.js';
import { connectionReset } from './fixtures.js';
import { setup } from './harness.js';

const model = 'claude-opus-4-7';

/** 50 calls/s for 60 s against a service that always fails; returns attempts per call. */
async function sustainedOverload(budget: false | undefined) {
  const { clock, policy, named } = setup({ maxAttempts: 5, breaker: false, ...(budget === false ? { budget } : {}) });
  const calls: Array<Promise<unknown>> = [];
  let attempts = 0;
  const fn = async () => {
    attempts++;
    throw connectionReset();
  };
  for (let i = 0; i < 3000; i++) {
    calls.push(policy.execute(fn, { model }).catch((e: unknown) => e));
    await clock.advance(20);
  }
  await clock.runAll();
  const errors = await Promise.all(calls);
  return { attempts, calls: calls.length, errors, exhausted: named('onBudgetExhausted') };
}

describe('retry budget', () => {
  it('keeps retries near its share of calls under sustained overload', async () => {
    const withBudget = await sustainedOverload(undefined);
    const retries = withBudget.attempts - withBudget.calls;
    // 10 % of calls plus the 1/s floor: (0.1·50 + 1)·60 s = 360 retries, plus the first window's reserve.
    expect(retries / withBudget.calls).toBeGreaterThan(0.1);
    expect(retries / withBudget.calls).toBeLessThan(0.14);
    expect(withBudget.exhausted.length).toBeGreaterThan(2500);
    expect(withBudget.exhausted[0]).toMatchObject({ key: model, attempts: 1 });
    const budgetErrors = withBudget.errors.filter(isRetryBudgetExhaustedError);
    expect(budgetErrors.length).toBe(withBudget.exhausted.length);
    expect(budgetErrors[0]!.cause).toMatchObject({ classification: { errorType: ErrorType.CONNECTION } });

    const without = await sustainedOverload(false);
    expect(without.attempts / without.calls).toBe(5);
  });

  it('refills as the window slides', () => {
    const budget = new RetryBudget({ ratio: 0.1, minRetriesPerSecond: 0, windowMs: 10_000 });
    for (let i = 0; i < 20; i++) budget.deposit(0);
    expect(budget.tryWithdraw(0)).toBe(true);
    expect(budget.tryWithdraw(0)).toBe(true);
    expect(budget.tryWithdraw(0)).toBe(false);
    expect(budget.balance(11_000)).toBe(0);
  });

  it('rejects bad settings with the value named', () => {
    expect(() => new RetryBudget({ ratio: -1 })).toThrow('budget.ratio must be a number between 0 and 1000, got -1');
    expect(() => new RetryBudget({ windowMs: 10 })).toThrow('budget.windowMs must be a finite number >= 1000 ms, got 10');
    expect(() => setup({ budget: { minRetriesPerSecond: Number.NaN } })).toThrow(/minRetriesPerSecond .* got NaN/);
  });
});
