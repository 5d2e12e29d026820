import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { overloaded } from './fixtures.js';
import { script, settle, setup } from './harness.js';

const model = 'claude-opus-4-7';

describe('attempt scopes', () => {
  it('runs every attempt inside each scope, the first added outermost', async () => {
    const { clock, policy } = setup();
    const storage = new AsyncLocalStorage<string[]>();
    const seenInside: Array<string[] | undefined> = [];
    const outer = policy.useAttemptScope((ctx, run) => storage.run([...(storage.getStore() ?? []), `outer-${ctx.attempt}`], run));
    policy.useAttemptScope((ctx, run) => storage.run([...(storage.getStore() ?? []), `inner-${ctx.attempt}`], run));
    const { fn } = script(clock, [overloaded(), 'ok']);
    await settle(
      clock,
      policy.execute((ctx) => {
        seenInside.push(storage.getStore());
        return fn(ctx);
      }, { model }),
    );
    expect(seenInside).toEqual([
      ['outer-1', 'inner-1'],
      ['outer-2', 'inner-2'],
    ]);
    outer.dispose();
    seenInside.length = 0;
    await settle(clock, policy.execute(async () => void seenInside.push(storage.getStore()), { model }));
    expect(seenInside).toEqual([['inner-1']]);
  });

  it('passes late failures on to listeners', () => {
    const { policy, named } = setup();
    const call = { id: 1, policy: 'default', model, startedAt: 0, details: { wastedInputTokens: { resent: 0, billed: 0 }, wastedOutputTokens: { billed: 0 } }, context: new Map() };
    const event = { call, model, attempt: 1, error: new Error('cut'), details: { billedWaste: { inputTokens: 10, outputTokens: 3 } } };
    policy.reportLateFailure(event);
    expect(named('onLateFailure')).toEqual([event]);
  });

  it('passes late successes on to listeners', () => {
    const { policy } = setup();
    const seen: unknown[] = [];
    policy.onLateSuccess((e) => void seen.push(e));
    const call = { id: 1, policy: 'default', model, startedAt: 0, details: { wastedInputTokens: { resent: 0, billed: 0 }, wastedOutputTokens: { billed: 0 }, costUsd: 0.01 }, context: new Map() };
    const event = { call, model, attempt: 1, details: { usage: { inputTokens: 10, outputTokens: 300 }, finishReasons: ['end_turn'] } };
    policy.reportLateSuccess(event);
    expect(seen).toEqual([event]);
  });
});
