import { describe, expect, it } from 'vitest';
import type { OverloadWindow } from '../src/scenarios/Scenario.js';
import { capacityFactorAt, inWindow, overloadsAt } from '../src/scenarios/windows.js';

describe('time windows', () => {
  it('hold their start and not their end', () => {
    const w = { startS: 60, endS: 120 };
    expect([59_999.9, 60_000, 90_000, 119_999.9, 120_000].map((ms) => inWindow(w, ms))).toEqual([false, true, true, true, false]);
    expect(inWindow({ startS: 0.5, endS: 1 }, 500)).toBe(true);
  });

  const overloads: OverloadWindow[] = [
    { startS: 10, endS: 30, factor: 0.5, streamBreakProbability: 0.1 },
    { startS: 20, endS: 40, factor: 0.2, models: ['opus'] },
  ];

  it('apply an overload to the models it names, or to all when it names none', () => {
    expect(overloadsAt(overloads, 'sonnet', 25_000)).toEqual([overloads[0]]);
    expect(overloadsAt(overloads, 'opus', 25_000)).toEqual(overloads);
    expect(overloadsAt(overloads, 'opus', 35_000)).toEqual([overloads[1]]);
    expect(overloadsAt(overloads, 'sonnet', 5_000)).toEqual([]);
  });

  it('leave the lowest factor in force, full capacity outside them', () => {
    expect([5_000, 15_000, 25_000, 35_000, 40_000].map((ms) => capacityFactorAt(overloads, 'opus', ms))).toEqual([1, 0.5, 0.2, 0.2, 1]);
    expect(capacityFactorAt(overloads, 'sonnet', 25_000)).toBe(0.5);
    expect(capacityFactorAt([], 'sonnet', 25_000)).toBe(1);
  });
});
