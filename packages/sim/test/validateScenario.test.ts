import { describe, expect, it } from 'vitest';
import { runPolicy } from '../src/runPolicy.js';
import { fixedRetry } from '../src/policies/index.js';
import { SCENARIOS } from '../src/scenarios/index.js';
import type { Scenario } from '../src/scenarios/Scenario.js';
import { storm50 } from '../src/scenarios/storm50.js';
import { validateScenario } from '../src/scenarios/validateScenario.js';

describe('scenario validation', () => {
  it('accepts every built-in scenario', () => {
    for (const s of SCENARIOS) expect(validateScenario(s)).toBe(s);
  });

  const bad: [string, Scenario, RegExp][] = [
    ['a zero duration', { ...storm50, durationS: 0 }, /durationS must be a finite number > 0, got 0/],
    ['a capacity factor above 1', { ...storm50, overloads: [{ startS: 1, endS: 2, factor: 1.5 }] }, /overloads\[0\]\.factor must be in \(0, 1\], got 1.5/],
    ['a window ending before it starts', { ...storm50, resetWaves: [{ startS: 5, endS: 5, probability: 0.1 }] }, /resetWaves\[0\] must end after it starts, got \[5, 5\)/],
    ['a reset probability of 2', { ...storm50, resetWaves: [{ startS: 1, endS: 5, probability: 2 }] }, /resetWaves\[0\]\.probability must be in \[0, 1\], got 2/],
    ['an unhosted fallback', { ...storm50, fleet: { ...storm50.fleet, fallbackModels: ['claude-haiku-4-5'] } }, /fleet uses model "claude-haiku-4-5", which the service does not host/],
    ['a model without a price', { ...storm50, models: [{ ...storm50.models[0]!, id: 'gpt-x' }] }, /model "gpt-x" has no price/],
    ['a fractional client count', { ...storm50, fleet: { ...storm50.fleet, clients: 2.5 } }, /fleet\.clients must be an integer >= 1, got 2.5/],
    ['token sizes out of order', { ...storm50, fleet: { ...storm50.fleet, outputTokens: { min: 10, max: 5 } } }, /fleet\.outputTokens must be whole numbers with 1 <= min <= max, got 10..5/],
    ['a NaN rate', { ...storm50, rateLimitWaves: [{ startS: 1, endS: 2, requestsPerSecond: Number.NaN }] }, /rateLimitWaves\[0\]\.requestsPerSecond must be a finite number > 0, got NaN/],
  ];
  for (const [what, scenario, message] of bad) {
    it(`rejects ${what}`, () => {
      expect(() => validateScenario(scenario)).toThrow(RangeError);
      expect(() => validateScenario(scenario)).toThrow(message);
    });
  }

  it('refuses to run a bad scenario or a fractional seed', async () => {
    await expect(runPolicy({ scenario: { ...storm50, durationS: -1 }, policy: fixedRetry, seed: 1 })).rejects.toThrow(RangeError);
    await expect(runPolicy({ scenario: storm50, policy: fixedRetry, seed: 1.5 })).rejects.toThrow('seed must be an integer, got 1.5');
  });
});
