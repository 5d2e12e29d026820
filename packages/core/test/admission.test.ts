import { AbandonDecision, BreakerState, CallOutcome, ErrorType, FallbackReason } from '@stormwatch/conventions';
import { describe, expect, it } from 'vitest';
import { AdaptiveRate, AdmissionQueue, createPolicy, isAdmissionRefusedError, RateLimitPause, seededRandom, VirtualClock } from '../src/index.js';
import { classify, connectionReset, overloaded, rateLimited, ScriptedError } from './fixtures.js';
import { script, settle, setup } from './harness.js';

const model = 'claude-sonnet-4-6';

describe('AdaptiveRate', () => {
  it('is calm (Infinity) until an overload, then cuts to half the rate it observed', () => {
    const rate = new AdaptiveRate({ calmRate: 0 });
    expect(rate.rate(0)).toBe(Infinity);
    for (let t = 9000; t < 10_000; t += 100) rate.admitted(t); // 10 admissions in the 10 s window: 1 req/s
    expect(rate.onOverload(10_000)).toBe(true);
    expect(rate.rate(10_000)).toBeCloseTo(0.5);
  });

  it('cuts a calm model from at least calmRate, so a lone call retries within a second', () => {
    const rate = new AdaptiveRate();
    rate.admitted(0);
    rate.onOverload(0);
    expect(rate.rate(0)).toBeCloseTo(1);
  });

  it('doubles every doublingMs without overload, and is calm again after calmAfterMs', () => {
    const rate = new AdaptiveRate({ minRate: 0.1, doublingMs: 10_000, calmAfterMs: 30_000, calmRate: 0 });
    rate.onOverload(0); // nothing observed: the floor
    expect(rate.rate(0)).toBeCloseTo(0.1);
    expect(rate.rate(10_000)).toBeCloseTo(0.2);
    expect(rate.rate(20_000)).toBeCloseTo(0.4);
    expect(rate.paced(29_999)).toBe(true);
    expect(rate.rate(30_000)).toBe(Infinity);
  });

  it('cuts once per cooldown, never below minRate', () => {
    const rate = new AdaptiveRate({ minRate: 0.5, decreaseCooldownMs: 1000 });
    for (let t = 0; t < 10; t++) rate.admitted(t * 100);
    expect(rate.onOverload(1000)).toBe(true);
    expect(rate.onOverload(1500)).toBe(false);
    expect(rate.onOverload(2000)).toBe(true);
    expect(rate.rate(2000)).toBeGreaterThanOrEqual(0.5);
  });

  it.each([
    [{ minRate: 0 }, /admission.minRate must be a positive number/],
    [{ decreaseFactor: 1 }, /admission.decreaseFactor must be between 0 and 1/],
    [{ doublingMs: 0 }, /admission.doublingMs must be a finite number of milliseconds >= 1, got 0/],
    [{ calmAfterMs: Number.NaN }, /admission.calmAfterMs/],
    [{ calmRate: -1 }, /admission.calmRate must be a finite number of requests per second >= 0, got -1/],
  ])('rejects %o', (options, message) => {
    expect(() => new AdaptiveRate(options)).toThrow(message);
  });
});

describe('AdmissionQueue', () => {
  const paced = (clock: VirtualClock, options: { maxQueue?: number; serviceTimeMs?: number } = {}) => {
    const rate = new AdaptiveRate({ minRate: 1, doublingMs: 1e9, calmAfterMs: 1e9, calmRate: 0 });
    rate.onOverload(clock.now()); // paced at 1 req/s
    return new AdmissionQueue(clock, rate, new RateLimitPause(), options.maxQueue ?? 100, () => options.serviceTimeMs ?? 0);
  };

  it('lets calls of a calm model through at once', () => {
    const clock = new VirtualClock();
    const queue = new AdmissionQueue(clock, new AdaptiveRate(), new RateLimitPause(), 10, () => 0);
    expect([queue.tryAdmitNow(0), queue.tryAdmitNow(0), queue.tryAdmitNow(0)]).toEqual([true, true, true]);
  });

  it('admits one call per interval, earliest deadline first', async () => {
    const clock = new VirtualClock();
    const queue = paced(clock);
    expect(queue.tryAdmitNow(0)).toBe(true);
    const order: string[] = [];
    const late = queue.admit(60_000).then((r) => order.push(`late@${Math.round(clock.now())}:${r.admitted}`));
    const early = queue.admit(20_000).then((r) => order.push(`early@${Math.round(clock.now())}:${r.admitted}`));
    expect(queue.depth).toBe(2);
    await clock.advance(1000);
    await clock.advance(1000);
    await Promise.all([late, early]);
    expect(order).toEqual(['early@1000:true', 'late@2000:true']);
  });

  it("refuses a call whose turn would come after its deadline (minus the service time), without queueing it", async () => {
    const clock = new VirtualClock();
    const queue = paced(clock, { serviceTimeMs: 2000 });
    queue.tryAdmitNow(0);
    // Due at 6 s, so to be admitted by 4 s: turns at 1, 2, 3, 4 s fit; a fifth would come at 5 s.
    const fitting = [0, 1, 2, 3].map(() => queue.admit(6000));
    await expect(queue.admit(6000)).resolves.toEqual({ admitted: false, reason: 'deadline', waitedMs: 0, estimatedWaitMs: expect.closeTo(5000, 0) });
    expect(queue.depth).toBe(4);
    // A later deadline waits behind them (earliest deadline first).
    const later = queue.admit(60_000);
    await clock.advance(5000);
    expect(await Promise.all(fitting)).toEqual([1000, 2000, 3000, 4000].map((waitedMs) => ({ admitted: true, waitedMs: expect.closeTo(waitedMs, 0) })));
    await expect(later).resolves.toMatchObject({ admitted: true, waitedMs: expect.closeTo(5000, 0) });
  });

  it('refuses when the queue is full', async () => {
    const clock = new VirtualClock();
    const queue = paced(clock, { maxQueue: 2 });
    queue.tryAdmitNow(0);
    void queue.admit(Infinity);
    void queue.admit(Infinity);
    await expect(queue.admit(Infinity)).resolves.toMatchObject({ admitted: false, reason: 'queue_full' });
  });

  it('holds every call during a rate-limit pause, then lets them through', async () => {
    const clock = new VirtualClock();
    const pause = new RateLimitPause();
    const queue = new AdmissionQueue(clock, new AdaptiveRate(), pause, 10, () => 0);
    pause.pauseUntil(5000);
    expect(queue.tryAdmitNow(0)).toBe(false);
    const admitted = queue.admit(Infinity);
    await clock.runAll();
    await expect(admitted).resolves.toEqual({ admitted: true, waitedMs: 5000 });
  });

  it('refuses a waiting call once the rate falls so far that it cannot make its deadline', async () => {
    const clock = new VirtualClock();
    const rate = new AdaptiveRate({ minRate: 0.01, doublingMs: 1e9, calmAfterMs: 1e9, decreaseCooldownMs: 0, calmRate: 0 });
    for (let i = 0; i < 10; i++) rate.admitted(i * 100);
    rate.onOverload(0); // 0.5 req/s: a slot every 2 s
    const queue = new AdmissionQueue(clock, rate, new RateLimitPause(), 10, () => 0);
    expect(queue.tryAdmitNow(0)).toBe(true);
    const result = queue.admit(10_000); // its turn: 2 s
    expect(queue.depth).toBe(1);
    rate.onOverload(0); // 0.25, 0.125, 0.0625 req/s: the next slot moves to 16 s, past its deadline
    rate.onOverload(0);
    rate.onOverload(0);
    await clock.advance(1000);
    await expect(result).resolves.toMatchObject({ admitted: false, reason: 'deadline' });
    expect(queue.depth).toBe(0);
  });

  it('an aborted call leaves the queue and rejects with the reason', async () => {
    const clock = new VirtualClock();
    const queue = paced(clock);
    queue.tryAdmitNow(0);
    const controller = new AbortController();
    const waiting = queue.admit(Infinity, controller.signal);
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(queue.depth).toBe(0);
  });
});

describe('admission control in the policy (on by default)', () => {
  it('retries a 529 through the admission queue, beyond maxAttempts, and answers', async () => {
    const { clock, policy, named } = setup({ maxAttempts: 2 });
    const { fn, seen } = script(clock, [overloaded(), overloaded(), overloaded(), 'answer']);
    const { value } = await settle(clock, policy.execute(fn, { model, deadlineMs: 120_000 }));
    expect(value).toBe('answer');
    expect(seen).toHaveLength(4);
    // Paced: each retry waited for the model's next slot, not for a backoff.
    expect(named('onBackoffStart')).toEqual([]);
    expect(named('onAdmission').length).toBeGreaterThan(0);
    expect(policy.breakerState(model)).toBe(BreakerState.CLOSED);
    expect(policy.admissionState(model)?.ratePerSecond).toBeLessThan(Infinity);
  });

  it('never opens the breaker on overloads or rate limits', async () => {
    const { clock, policy, named } = setup({ maxAttempts: 1, budget: false });
    for (let i = 0; i < 8; i++) await settle(clock, policy.execute(script(clock, [i % 2 ? overloaded() : rateLimited(1000), 'ok']).fn, { model, deadlineMs: 600_000 }));
    expect(named('onBreakerTransition')).toEqual([]);
  });

  it('pauses the whole model on a 429 with retry-after: the next call waits too', async () => {
    const { clock, policy } = setup();
    const first = script(clock, [rateLimited(5000), 'first']);
    const second = script(clock, ['second']);
    const a = policy.execute(first.fn, { model });
    await clock.advance(1);
    const b = policy.execute(second.fn, { model });
    await clock.runAll();
    expect([await a, await b]).toEqual(['first', 'second']);
    expect(first.seen.map((s) => s.at)).toEqual([0, 5000]);
    expect(second.seen[0]!.at).toBeGreaterThanOrEqual(5000);
  });

  it('pauses the model until the reset when anthropic-ratelimit-requests-remaining is 0', async () => {
    const { clock, policy } = setup();
    const fn = async ({ details }: { details: { rateLimitRemaining?: object; rateLimitResetMs?: object } }) => {
      details.rateLimitRemaining = { requests: 0 };
      details.rateLimitResetMs = { requests: 3000 };
      return clock.now();
    };
    await settle(clock, policy.execute(fn, { model }));
    const { value } = await settle(clock, policy.execute(async () => clock.now(), { model }));
    expect(value).toBe(3000);
  });

  it('opens the breaker on resets for 5 s first, doubling while probes fail, back to 5 s after a success', async () => {
    const { clock, policy, named } = setup({ maxAttempts: 1, budget: false, breaker: { threshold: 2 } });
    const fail = () => settle(clock, policy.execute(script(clock, [connectionReset()]).fn, { model }));
    await fail();
    await fail();
    const opened = () => named('onBreakerTransition').filter((t) => t.to === BreakerState.OPEN).map((t) => t.at);
    expect(opened()).toEqual([0]);
    await clock.advance(5000);
    await fail(); // the probe fails: open for 10 s
    await clock.advance(10_000);
    await fail(); // and again: 20 s
    expect(opened()).toEqual([0, 5000, 15_000]);
    await clock.advance(20_000);
    await settle(clock, policy.execute(script(clock, ['ok']).fn, { model }));
    expect(policy.breakerState(model)).toBe(BreakerState.CLOSED);
    await fail();
    await fail();
    await clock.advance(5000);
    expect(policy.breakerState(model)).toBe(BreakerState.HALF_OPEN);
  });

  it('falls back to the next model when the deadline cannot be met in the queue', async () => {
    const { clock, policy, named } = setup({ fallback: { models: ['claude-haiku-4-5'] }, admission: { minRate: 0.05, doublingMs: 1e9, calmRate: 0 } });
    // Two overloads on Sonnet cut its rate to the floor (one call per 20 s).
    await settle(clock, policy.execute(script(clock, [overloaded(), 'ok']).fn, { model, allowFallback: false, deadlineMs: 600_000 }));
    const { fn, seen } = script(clock, ['haiku answer']);
    const { value } = await settle(clock, policy.execute(fn, { model, deadlineMs: 5000 }));
    expect(value).toBe('haiku answer');
    expect(seen).toEqual([{ model: 'claude-haiku-4-5', attempt: 1, at: expect.any(Number) }]);
    expect(named('onFallback').at(-1)).toMatchObject({ fromModel: model, toModel: 'claude-haiku-4-5', reason: FallbackReason.DEADLINE, afterAttempt: 0 });
    expect(named('onAbandon').at(-1)).toMatchObject({ decision: AbandonDecision.FALLBACK });
  });

  it('sends a call that may fall back to the next model at once rather than wait long for a paced one', async () => {
    const { clock, policy, named } = setup({ fallback: { models: ['claude-haiku-4-5'] }, admission: { minRate: 0.05, doublingMs: 1e9, calmRate: 0 } });
    await settle(clock, policy.execute(script(clock, [overloaded(), 'ok']).fn, { model, allowFallback: false, deadlineMs: 600_000 }));
    const abandons = named('onAbandon').length;
    const { fn, seen } = script(clock, ['haiku answer']);
    const started = clock.now();
    const { value } = await settle(clock, policy.execute(fn, { model, deadlineMs: 600_000 }));
    expect(value).toBe('haiku answer');
    expect(seen).toEqual([{ model: 'claude-haiku-4-5', attempt: 1, at: started }]);
    expect(named('onFallback').at(-1)).toMatchObject({ toModel: 'claude-haiku-4-5', reason: FallbackReason.OVERLOADED });
    expect(named('onAdmission').at(-1)).toMatchObject({ admitted: false, reason: 'long_wait' });
    expect(named('onAbandon')).toHaveLength(abandons);
  });

  it('slows the pace after a 429 too, so a paused backlog does not burst at the reset', async () => {
    const { clock, policy } = setup();
    await settle(clock, policy.execute(script(clock, [rateLimited(2000), 'ok']).fn, { model }));
    expect(policy.admissionState(model)?.ratePerSecond).toBeLessThan(Infinity);
    expect(policy.breakerState(model)).toBe(BreakerState.CLOSED);
  });

  it('refuses with AdmissionRefusedError when nothing else can take the call', async () => {
    const { clock, policy, named } = setup({ admission: { minRate: 0.05, doublingMs: 1e9, calmRate: 0 } });
    await settle(clock, policy.execute(script(clock, [overloaded(), 'ok']).fn, { model, deadlineMs: 600_000 }));
    const { error } = await settle(clock, policy.execute(script(clock, ['never']).fn, { model, deadlineMs: 5000 }));
    expect(isAdmissionRefusedError(error)).toBe(true);
    expect(error).toMatchObject({ model, reason: 'deadline', attempts: 0 });
    expect((error as Error).message).toMatch(/^claude-sonnet-4-6 is overloaded: the call's turn would come in \d+ ms, too late for its deadline$/);
    expect(named('onCallEnd').at(-1)).toMatchObject({ outcome: CallOutcome.REJECTED, errorType: ErrorType.DEADLINE_EXCEEDED });
    expect(named('onAdmission').at(-1)).toMatchObject({ admitted: false, reason: 'deadline' });
  });

  it('says queue_full when too many calls wait', async () => {
    const { clock, policy, named } = setup({ admission: { maxQueue: 1, minRate: 0.05, doublingMs: 1e9, calmRate: 0 } });
    await settle(clock, policy.execute(script(clock, [overloaded(), 'ok']).fn, { model, deadlineMs: 600_000 }));
    const waiting = policy.execute(script(clock, ['a']).fn, { model });
    const { error } = await settle(clock, policy.execute(script(clock, ['b']).fn, { model }));
    expect(error).toMatchObject({ name: 'AdmissionRefusedError', reason: 'queue_full' });
    expect(named('onCallEnd').find((e) => e.outcome === CallOutcome.REJECTED)).toMatchObject({ errorType: ErrorType.QUEUE_FULL });
    await clock.runAll();
    await expect(waiting).resolves.toBe('a');
  });

  it('cuts the rate when a delivered stream is dropped with overloaded_error', () => {
    const clock = new VirtualClock();
    const policy = createPolicy({ classify, clock, random: seededRandom(1) });
    return settle(clock, policy.execute(async () => 'ok', { model })).then(() => {
      expect(policy.admissionState(model)?.ratePerSecond).toBe(Infinity);
      const call = { id: 1, policy: 'default', model, startedAt: 0, details: { wastedInputTokens: { resent: 0, billed: 0 }, wastedOutputTokens: { billed: 0 } }, context: new Map() };
      policy.reportLateFailure({ call, model, attempt: 1, error: overloaded(), details: {} });
      expect(policy.admissionState(model)?.ratePerSecond).toBeLessThan(Infinity);
      policy.reportLateFailure({ call, model, attempt: 1, error: new ScriptedError({ errorType: ErrorType.CONNECTION, retryable: true, overload: false, slowDown: false }), details: {} });
    });
  });

  it('can be turned off: the 0.1 loop, with overloads counted by a 30 s breaker', async () => {
    const { clock, policy } = setup({ admission: false, maxAttempts: 1, budget: false });
    for (let i = 0; i < 5; i++) await settle(clock, policy.execute(script(clock, [overloaded()]).fn, { model }));
    expect(policy.breakerState(model)).toBe(BreakerState.OPEN);
    expect(policy.admissionState(model)).toBeUndefined();
    await clock.advance(29_999);
    expect(policy.breakerState(model)).toBe(BreakerState.OPEN);
  });

  it.each([
    [{ admission: 'on' }, /admission must be an object or false, got "on"/],
    [{ admission: { maxQueue: -1 } }, /admission.maxQueue must be an integer >= 0, got -1/],
    [{ admission: { minRate: -1 } }, /admission.minRate must be a positive number/],
    [{ breaker: { halfOpenAfterMs: 10_000, maxHalfOpenAfterMs: 5000 } }, /breaker.maxHalfOpenAfterMs must be >= breaker.halfOpenAfterMs \(10000\), got 5000/],
  ])('rejects bad options at construction: %o', (options, message) => {
    expect(() => createPolicy({ classify, ...(options as object) })).toThrow(message);
  });
});

describe('the admission estimate', () => {
  it('counts on the rate growing: at 0.1 req/s doubling every 10 s, the 11th call comes in about 31 s, not 110 s', () => {
    const rate = new AdaptiveRate({ minRate: 0.1, calmRate: 0 });
    rate.onOverload(0);
    expect(rate.timeToAdmit(0, 11) / 1000).toBeCloseTo(10 * Math.log2(1 + (11 * Math.LN2) / 1), 5);
    expect(rate.timeToAdmit(0, 11)).toBeGreaterThan(30_000);
    expect(rate.timeToAdmit(0, 11)).toBeLessThan(32_000);
    expect(rate.timeToAdmit(0, 0)).toBe(0);
    expect(new AdaptiveRate().timeToAdmit(0, 100)).toBe(0); // calm
  });

  it('stays paced after an overload while the process has not yet asked for less than half the grown rate', () => {
    const rate = new AdaptiveRate({ minRate: 0.1, calmRate: 2, calmAfterMs: 30_000 });
    rate.onOverload(0); // from calm: at least calmRate, halved: 1 req/s
    expect(rate.rate(30_000)).toBe(Infinity); // grown to 8 req/s ≥ max(2, 2 × 0 observed): calm
    const busy = new AdaptiveRate({ minRate: 0.1, calmRate: 2, calmAfterMs: 30_000 });
    busy.onOverload(0);
    for (let t = 25_000; t < 30_000; t += 50) busy.admitted(t); // 100 admissions in the window: 10 req/s observed
    expect(busy.rate(30_000)).toBeCloseTo(8);
  });
});
