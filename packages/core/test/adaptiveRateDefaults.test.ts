import { describe, expect, it } from 'vitest';
import { ADAPTIVE_RATE_DEFAULTS, AdaptiveRate } from '../src/index.js';

describe('ADAPTIVE_RATE_DEFAULTS', () => {
  it('are the options an AdaptiveRate gets when given none', () => {
    const rate = new AdaptiveRate();
    const { minRate, decreaseFactor, decreaseCooldownMs, doublingMs, calmAfterMs, observeWindowMs, calmRate } = rate;
    expect({ minRate, decreaseFactor, decreaseCooldownMs, doublingMs, calmAfterMs, observeWindowMs, calmRate }).toEqual(ADAPTIVE_RATE_DEFAULTS);
  });

  it('fill in an option given as undefined, and give way to one given', () => {
    const rate = new AdaptiveRate({ observeWindowMs: undefined, doublingMs: 2500 });
    expect(rate.observeWindowMs).toBe(ADAPTIVE_RATE_DEFAULTS.observeWindowMs);
    expect(rate.doublingMs).toBe(2500);
  });

  it('observe over the window they name: one admission per window is a rate of 1 / window', () => {
    const rate = new AdaptiveRate();
    rate.admitted(0);
    expect(rate.observedRate(0)).toBe(1000 / ADAPTIVE_RATE_DEFAULTS.observeWindowMs);
  });

  it('cannot be changed', () => {
    expect(Object.isFrozen(ADAPTIVE_RATE_DEFAULTS)).toBe(true);
  });
});
