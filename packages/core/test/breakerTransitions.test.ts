import { describe, expect, it } from 'vitest';
import { overloaded } from './fixtures.js';
import { script, settle, setupWithoutAdmission } from './harness.js';

const model = 'claude-opus-4-7';

describe('breaker transitions', () => {
  it('name the call that caused each one: opened by a failure, half-opened by an admission, closed by the probe', async () => {
    const { clock, policy, named } = setupWithoutAdmission({ breaker: { threshold: 1, halfOpenAfterMs: 30_000 }, maxAttempts: 1 });
    await settle(clock, policy.execute(script(clock, [overloaded()]).fn, { model })).catch(() => undefined);
    await clock.advance(30_000);
    await settle(clock, policy.execute(script(clock, ['ok']).fn, { model }));
    expect(named('onBreakerTransition').map((e) => [e.from, e.to, (e.call as { id: number } | undefined)?.id])).toEqual([
      ['closed', 'open', 1],
      ['open', 'half_open', 2],
      ['half_open', 'closed', 2],
    ]);
  });
});
