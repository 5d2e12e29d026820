import { AttemptOutcome, CallOutcome, DelaySource, ErrorType } from '@stormwatch/conventions';
import { describe, expect, it } from 'vitest';
import { isRetriesExhaustedError, RetriesExhaustedError, seededRandom } from '../src/index.js';
import { badRequest, overloaded, rateLimited, ScriptedError, serverError } from './fixtures.js';
import { script, settle, setupWithoutAdmission } from './harness.js';

const model = 'claude-opus-4-7';

describe('retries', () => {
  it('retries a 529 with full jitter and succeeds', async () => {
    const { clock, policy, named } = setupWithoutAdmission();
    const { fn, seen } = script(clock, [overloaded(), 'answer']);
    const result = await settle(clock, policy.execute(fn, { model }));
    const jitter = Math.floor(seededRandom(1)() * 1000);
    expect(result).toEqual({ value: 'answer' });
    expect(seen).toEqual([
      { model, attempt: 1, at: 0 },
      { model, attempt: 2, at: jitter },
    ]);
    const ends = named('onAttemptEnd');
    expect(ends.map((e) => [e.outcome, e.delay])).toEqual([
      [AttemptOutcome.RETRYABLE_ERROR, { ms: jitter, source: DelaySource.BACKOFF }],
      [AttemptOutcome.SUCCESS, undefined],
    ]);
    expect(named('onCallEnd')).toEqual([
      expect.objectContaining({ outcome: CallOutcome.SUCCESS, attempts: 2, finalModel: model, durationMs: jitter, backoffMs: jitter }),
    ]);
    expect(named('onBackoffEnd')).toEqual([
      expect.objectContaining({ afterAttempt: 1, plannedMs: jitter, actualMs: jitter, aborted: false, source: DelaySource.BACKOFF }),
    ]);
  });

  it('waits for retry-after when it is longer than the jitter', async () => {
    const { clock, policy, named } = setupWithoutAdmission();
    const { fn, seen } = script(clock, [overloaded(10_000), 'answer']);
    await settle(clock, policy.execute(fn, { model }));
    expect(seen[1]!.at).toBe(10_000);
    expect(named('onAttemptEnd')[0]!.delay).toEqual({ ms: 10_000, source: DelaySource.RETRY_AFTER });
  });

  it('keeps the jitter when it is longer than retry-after', async () => {
    const { clock, policy, named } = setupWithoutAdmission({ random: () => 0.9 });
    const { fn } = script(clock, [rateLimited(100), 'answer']);
    await settle(clock, policy.execute(fn, { model }));
    expect(named('onAttemptEnd')[0]!.delay).toEqual({ ms: 900, source: DelaySource.BACKOFF });
  });

  it('clamps an absurd retry-after to maxRetryAfterMs', async () => {
    const { clock, policy, named } = setupWithoutAdmission({ maxRetryAfterMs: 20_000 });
    const { fn, seen } = script(clock, [rateLimited(3_600_000), 'answer']);
    await settle(clock, policy.execute(fn, { model }));
    expect(seen[1]!.at).toBe(20_000);
    expect(named('onAttemptEnd')[0]!.delay).toEqual({ ms: 20_000, source: DelaySource.RETRY_AFTER });
  });

  it('does not retry a 400 and rethrows it unchanged', async () => {
    const { clock, policy, named } = setupWithoutAdmission();
    const error = badRequest();
    const { fn, seen } = script(clock, [error, 'never']);
    expect(await settle(clock, policy.execute(fn, { model }))).toEqual({ error });
    expect(seen).toHaveLength(1);
    expect(named('onAttemptEnd')[0]).toMatchObject({ outcome: AttemptOutcome.FATAL_ERROR, classification: error.classification });
    expect(named('onCallEnd')[0]).toMatchObject({ outcome: CallOutcome.FAILED, errorType: ErrorType.INVALID_REQUEST, attempts: 1, error });
  });

  it('gives up after maxAttempts (attempts, the first included) with the last error as cause', async () => {
    const { clock, policy, named } = setupWithoutAdmission({ maxAttempts: 3 });
    const last = overloaded();
    const { fn, seen } = script(clock, [overloaded(), overloaded(), last]);
    const { error } = await settle(clock, policy.execute(fn, { model }));
    expect(seen).toHaveLength(3);
    expect(isRetriesExhaustedError(error)).toBe(true);
    expect(error).toMatchObject({ attempts: 3, reason: 'max_attempts', cause: last });
    expect(named('onAttemptEnd').at(-1)).toMatchObject({ outcome: AttemptOutcome.RETRYABLE_ERROR });
    expect(named('onAttemptEnd').at(-1)!.delay).toBeUndefined();
    expect(named('onCallEnd')[0]).toMatchObject({ outcome: CallOutcome.FAILED, errorType: ErrorType.OVERLOADED, attempts: 3 });
  });

  it('retries a 500 once, after a fixed 5 s', async () => {
    const { clock, policy } = setupWithoutAdmission({ maxAttempts: 5 });
    const { fn, seen } = script(clock, [serverError(), serverError(), 'never']);
    const { error } = await settle(clock, policy.execute(fn, { model }));
    expect(seen.map((s) => s.at)).toEqual([0, 5000]);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error).toMatchObject({ reason: 'class_limit', attempts: 2 });
  });

  it('stops when the next wait would pass maxTotalDelayMs', async () => {
    const { clock, policy } = setupWithoutAdmission({ maxAttempts: 10, maxTotalDelayMs: 15_000 });
    const { fn, seen } = script(clock, [rateLimited(10_000), rateLimited(10_000), 'never']);
    const { error } = await settle(clock, policy.execute(fn, { model }));
    expect(seen.map((s) => s.at)).toEqual([0, 10_000]);
    expect(error).toMatchObject({ reason: 'max_total_delay', attempts: 2 });
  });

  it('does not retry when the classifier itself throws', async () => {
    const { clock, policy, named } = setupWithoutAdmission({
      classify: () => {
        throw new Error('classifier bug');
      },
    });
    const original = new Error('boom');
    const { fn, seen } = script(clock, [original]);
    expect(await settle(clock, policy.execute(fn, { model }))).toEqual({ error: original });
    expect(seen).toHaveLength(1);
    expect(named('onCallEnd')[0]).toMatchObject({ errorType: ErrorType.OTHER });
  });

  it('follows the server override carried by the classification', async () => {
    const { clock, policy } = setupWithoutAdmission();
    const noRetry = new ScriptedError({ errorType: ErrorType.RATE_LIMIT, retryable: false, serverOverride: false, overload: false, slowDown: true, status: 429 });
    const { fn, seen } = script(clock, [noRetry]);
    expect(await settle(clock, policy.execute(fn, { model }))).toEqual({ error: noRetry });
    expect(seen).toHaveLength(1);
  });

  it('uses decorrelated jitter when asked', async () => {
    const { clock, policy, named } = setupWithoutAdmission({ backoff: { kind: 'decorrelated_jitter', baseMs: 500, capMs: 4000 }, maxAttempts: 4 });
    const { fn } = script(clock, [overloaded(), overloaded(), overloaded(), 'ok']);
    await settle(clock, policy.execute(fn, { model }));
    const delays = named('onBackoffStart').map((e) => e.plannedMs as number);
    expect(delays).toHaveLength(3);
    expect(delays[0]).toBe(500); // first wait: random(base, max(base, 0·3)) = base
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(500);
  });
});
