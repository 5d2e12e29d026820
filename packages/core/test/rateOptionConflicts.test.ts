import { describe, expect, it } from 'vitest';
import { ADAPTIVE_RATE_DEFAULTS, createPolicy, InMemoryOverloadStore, rateOptionConflicts, SHARED_RATE_DEFAULTS, VirtualClock } from '../src/index.js';
import { classify } from './fixtures.js';

const STORE = Object.freeze({ ...ADAPTIVE_RATE_DEFAULTS, ...SHARED_RATE_DEFAULTS });

describe('rateOptionConflicts', () => {
  it.each([
    ['nothing set', {}, []],
    ['the store’s own values', { doublingMs: 2500, minRate: 0.02 }, []],
    ['another doubling', { doublingMs: 10_000 }, [{ name: 'doublingMs', policy: 10_000, store: 2500 }]],
    [
      'two others, in the options’ order',
      { calmRate: 5, decreaseFactor: 0.7 },
      [
        { name: 'decreaseFactor', policy: 0.7, store: 0.5 },
        { name: 'calmRate', policy: 5, store: 2 },
      ],
    ],
  ])('%s', (_name, policy, expected) => {
    expect(rateOptionConflicts(policy, STORE)).toEqual(expected);
  });

  it('ignores the admission options that are no rate option', () => {
    expect(rateOptionConflicts({ maxQueue: 5, fallbackAfterMs: 100 } as never, STORE)).toEqual([]);
  });
});

describe('a policy on a store', () => {
  const clock = new VirtualClock();

  it('refuses admission rate options the store applies otherwise, naming the option and where to set it', () => {
    const store = new InMemoryOverloadStore({ rate: { doublingMs: 5000 } }, clock);
    expect(() => createPolicy({ name: 'p', classify, clock, store, admission: { doublingMs: 2500 } })).toThrow(TypeError);
    expect(() => createPolicy({ name: 'p', classify, clock, store, admission: { doublingMs: 2500 } })).toThrow(
      /admission\.doublingMs is 2500 but the policy's store applies 5000: .*set doublingMs on the store/,
    );
  });

  it('takes admission rate options equal to the store’s, none at all, or any with admission off', () => {
    const store = new InMemoryOverloadStore({ rate: { doublingMs: 5000, minRate: 0.1 } }, clock);
    expect(() => createPolicy({ name: 'p', classify, clock, store, admission: { doublingMs: 5000, minRate: 0.1, maxQueue: 3 } })).not.toThrow();
    expect(() => createPolicy({ name: 'p', classify, clock, store })).not.toThrow();
    expect(() => createPolicy({ name: 'p', classify, clock, store, admission: false })).not.toThrow();
  });

  it('exposes what the store applies, defaults filled in', () => {
    const store = new InMemoryOverloadStore({ rate: { minRate: 0.1 } }, clock);
    expect(store.rateOptions).toEqual({ ...STORE, minRate: 0.1 });
    expect(Object.isFrozen(store.rateOptions)).toBe(true);
  });
});
