import { describe, expect, it } from 'vitest';
import { AimdLimiter } from '../src/index.js';
import { rateLimited } from './fixtures.js';
import { script, settle, setup } from './harness.js';

const model = 'claude-opus-4-7';

describe('adaptive limiter', () => {
  it('spaces attempts at its rate', async () => {
    const { clock, policy, named } = setup({ limiter: { initialRate: 2, increasePerSecond: 0 } });
    const starts: number[] = [];
    const calls = Array.from({ length: 4 }, () =>
      policy.execute(async () => {
        starts.push(clock.now());
        return 'ok';
      }, { model }),
    );
    await clock.runAll();
    await Promise.all(calls);
    expect(starts).toEqual([0, 500, 1000, 1500]);
    expect(named('onLimiterWait').map((e) => e.waitMs)).toEqual([500, 1000, 1500]);
  });

  it('halves its rate on a 429 and grows it back on success', async () => {
    const { clock, policy, named } = setup({ limiter: { initialRate: 8, increasePerSecond: 1 } });
    await settle(clock, policy.execute(script(clock, [rateLimited(), 'ok']).fn, { model }));
    const rates = named('onLimiterRate').map((e) => e.ratePerSecond);
    expect(rates[0]).toBe(4);
    expect(rates[1]).toBeCloseTo(4.25);
    expect(policy.limiterRate(model)).toBeCloseTo(4.25);
  });

  it('slows once per wave, not once per error', () => {
    const limiter = new AimdLimiter({ initialRate: 16 });
    expect([limiter.onSlowDown(0), limiter.onSlowDown(10), limiter.onSlowDown(1500)]).toEqual([true, false, true]);
    expect(limiter.rate).toBe(4);
  });

  it('rejects bad settings with the value named', () => {
    expect(() => new AimdLimiter({ initialRate: 0.1, minRate: 1 })).toThrow('limiter.initialRate must be between minRate (1) and maxRate (1000), got 0.1');
    expect(() => new AimdLimiter({ decreaseFactor: 1 })).toThrow('limiter.decreaseFactor must be between 0 and 1 (exclusive), got 1');
  });
});
