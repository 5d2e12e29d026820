import { describe, expect, it } from 'vitest';
import { DecorrelatedJitterBackoff, FullJitterBackoff, seededRandom } from '../src/index.js';

describe('FullJitterBackoff', () => {
  it('draws uniformly from [0, min(cap, base·2^(n-1)))', () => {
    const backoff = new FullJitterBackoff(1000, 60_000);
    const random = seededRandom(42);
    const n = 20_000;
    const deciles = new Array<number>(10).fill(0);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const d = backoff.delay(3, 0, random);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(4000);
      deciles[Math.floor(d / 400)]!++;
      sum += d;
    }
    expect(sum / n).toBeGreaterThan(1950);
    expect(sum / n).toBeLessThan(2050);
    for (const count of deciles) expect(Math.abs(count / n - 0.1)).toBeLessThan(0.01);
  });

  it('caps the ceiling', () => {
    const backoff = new FullJitterBackoff(1000, 60_000);
    expect([1, 2, 3, 4, 7, 8, 100].map((n) => backoff.ceiling(n))).toEqual([1000, 2000, 4000, 8000, 60_000, 60_000, 60_000]);
  });

  it('is reproducible from a seed', () => {
    const draw = (seed: number) => {
      const r = seededRandom(seed);
      const b = new FullJitterBackoff();
      return [1, 2, 3, 4].map((n) => b.delay(n, 0, r));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('rejects a bad base or cap', () => {
    expect(() => new FullJitterBackoff(0)).toThrow(/baseMs must be a positive number of milliseconds, got 0/);
    expect(() => new FullJitterBackoff(1000, 10)).toThrow(/capMs must be a finite number >= baseMs \(1000\), got 10/);
  });
});

describe('DecorrelatedJitterBackoff', () => {
  it('stays between base and min(cap, 3 × previous)', () => {
    const backoff = new DecorrelatedJitterBackoff(1000, 20_000);
    const random = seededRandom(1);
    let previous = 0;
    for (let i = 1; i < 200; i++) {
      const d = backoff.delay(i, previous, random);
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThanOrEqual(Math.min(20_000, Math.max(1000, previous * 3)));
      previous = d;
    }
  });
});

describe('seededRandom', () => {
  it('rejects a non-integer seed', () => {
    expect(() => seededRandom(1.5)).toThrow(/seed must be an integer, got 1.5/);
  });
});
