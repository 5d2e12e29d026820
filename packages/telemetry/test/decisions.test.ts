import { SpanStatusCode } from '@opentelemetry/api';
import {
  ATTR_ABANDON_DECISION,
  ATTR_ABANDON_DEADLINE_REMAINING_MS,
  ATTR_ADMISSION_OUTCOME,
  ATTR_ADMISSION_REFUSAL_REASON,
  ATTR_ADMISSION_WAIT_MS,
  ATTR_ATTEMPT_NUMBER,
  ATTR_BREAKER_FROM,
  ATTR_BREAKER_KEY,
  ATTR_BREAKER_STATE,
  ATTR_BREAKER_TO,
  ATTR_BUDGET_KEY,
  ATTR_CALL_OUTCOME,
  ATTR_ERROR_TYPE,
  ATTR_FALLBACK_FROM_MODEL,
  ATTR_FALLBACK_REASON,
  ATTR_FALLBACK_TO_MODEL,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_LIMITER_WAIT_MS,
  ATTR_POLICY,
  ATTR_RATELIMIT_KIND,
  ATTR_RETRY_DELAY_S,
  ATTR_RETRY_DELAY_SOURCE,
  AbandonDecision,
  AdmissionOutcome,
  AdmissionRefusalReason,
  attemptSpanName,
  BreakerState,
  CallOutcome,
  DelaySource,
  ErrorType,
  EVENT_ABANDON,
  EVENT_ADMISSION_WAIT,
  EVENT_BREAKER_TRANSITION,
  EVENT_BUDGET_EXHAUSTED,
  EVENT_FALLBACK,
  EVENT_LIMITER_WAIT,
  EVENT_QUEUE_DEFER,
  ATTR_QUEUE_TASK_ID,
  FallbackReason,
  METRIC_BREAKER_STATE,
  METRIC_BREAKER_TRANSITIONS,
  METRIC_BUDGET_REJECTIONS,
  METRIC_CALLS,
  METRIC_FALLBACKS,
  METRIC_LIMITER_RATE,
  METRIC_RATELIMIT_REMAINING,
  OTHER_MODEL,
  RatelimitKind,
  SPAN_BACKOFF,
  SPAN_CALL,
  ATTR_CALL_ATTEMPTS,
  ATTR_CALL_FINAL_MODEL,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_TOKENS_WASTED_INPUT,
  ATTR_TOKENS_WASTED_OUTPUT,
  GEN_AI_OPERATION_CHAT,
  GEN_AI_PROVIDER_ANTHROPIC,
} from '@stormwatch/conventions';
import { InMemoryDeferrer, isCallDeferredError } from '@stormwatch/core';
import { describe, expect, it } from 'vitest';
import { eventsOf, msOf, overloaded, script, settle, setup, T0 } from './harness.js';

const OPUS = 'claude-opus-4-7';
const SONNET = 'claude-sonnet-4-6';


/**
 * The breaker tests run the 0.1 loop (`admission: false`): there, overloads count as breaker
 * failures and a backoff span marks each wait. With admission on, an overload paces the
 * model instead (admission.test.ts) and the breaker counts only a model that is down.
 */
describe('decision telemetry', () => {
  it('records a breaker opening and a fallback as span events, counters and the state gauge', async () => {
    const t = setup({ admission: false, breaker: { threshold: 1, halfOpenAfterMs: 30_000 }, fallback: { models: [SONNET], afterOverloads: 1 } });
    expect(await settle(t.clock, t.policy.execute(script([overloaded(), 'ok']), { model: OPUS }))).toEqual({ value: 'ok' });
    // The next call finds Opus open and goes straight to Sonnet.
    expect(await settle(t.clock, t.policy.execute(script(['ok']), { model: OPUS }))).toEqual({ value: 'ok' });

    const [first, second] = t.spanNamed(SPAN_CALL); // in the order they ended
    expect(eventsOf(first!)).toEqual([
      { name: EVENT_BREAKER_TRANSITION, attributes: { [ATTR_BREAKER_KEY]: OPUS, [ATTR_BREAKER_FROM]: BreakerState.CLOSED, [ATTR_BREAKER_TO]: BreakerState.OPEN } },
      { name: EVENT_FALLBACK, attributes: { [ATTR_FALLBACK_FROM_MODEL]: OPUS, [ATTR_FALLBACK_TO_MODEL]: SONNET, [ATTR_FALLBACK_REASON]: FallbackReason.OVERLOADED } },
    ]);
    expect(eventsOf(second!)).toEqual([
      { name: EVENT_FALLBACK, attributes: { [ATTR_FALLBACK_FROM_MODEL]: OPUS, [ATTR_FALLBACK_TO_MODEL]: SONNET, [ATTR_FALLBACK_REASON]: FallbackReason.CIRCUIT_OPEN } },
    ]);
    expect(first!.attributes[ATTR_CALL_OUTCOME]).toBe(CallOutcome.FALLBACK_SUCCESS);
    expect(t.spanNamed(attemptSpanName(SONNET)).map((s) => s.attributes[ATTR_BREAKER_STATE])).toEqual([BreakerState.CLOSED, BreakerState.CLOSED]);

    expect(await t.points(METRIC_BREAKER_TRANSITIONS)).toEqual([
      { attributes: { [ATTR_BREAKER_KEY]: OPUS, [ATTR_BREAKER_FROM]: BreakerState.CLOSED, [ATTR_BREAKER_TO]: BreakerState.OPEN }, value: 1 },
    ]);
    expect(await t.points(METRIC_FALLBACKS)).toEqual([
      { attributes: { [ATTR_FALLBACK_FROM_MODEL]: OPUS, [ATTR_FALLBACK_TO_MODEL]: SONNET, [ATTR_FALLBACK_REASON]: FallbackReason.OVERLOADED }, value: 1 },
      { attributes: { [ATTR_FALLBACK_FROM_MODEL]: OPUS, [ATTR_FALLBACK_TO_MODEL]: SONNET, [ATTR_FALLBACK_REASON]: FallbackReason.CIRCUIT_OPEN }, value: 1 },
    ]);
    expect(await t.points(METRIC_BREAKER_STATE)).toEqual([
      { attributes: { [ATTR_BREAKER_KEY]: OPUS }, value: 1 },
      { attributes: { [ATTR_BREAKER_KEY]: SONNET }, value: 0 },
    ]);
    // After the open interval the gauge reads half-open.
    await t.clock.advance(30_000);
    expect((await t.points(METRIC_BREAKER_STATE))[0]).toEqual({ attributes: { [ATTR_BREAKER_KEY]: OPUS }, value: 2 });
  });

  it('records a breaker half-opening and closing on the span of the call that probed it', async () => {
    const t = setup({ admission: false, breaker: { threshold: 1, halfOpenAfterMs: 30_000 }, maxAttempts: 1 });
    await settle(t.clock, t.policy.execute(script([overloaded()]), { model: OPUS }));
    await t.clock.advance(30_000);
    expect(await settle(t.clock, t.policy.execute(script(['ok']), { model: OPUS }))).toEqual({ value: 'ok' });
    const [first, probe] = t.spanNamed(SPAN_CALL);
    const transition = (from: string, to: string) => ({ name: EVENT_BREAKER_TRANSITION, attributes: { [ATTR_BREAKER_KEY]: OPUS, [ATTR_BREAKER_FROM]: from, [ATTR_BREAKER_TO]: to } });
    expect(eventsOf(first!)).toEqual([transition(BreakerState.CLOSED, BreakerState.OPEN)]);
    expect(eventsOf(probe!)).toEqual([transition(BreakerState.OPEN, BreakerState.HALF_OPEN), transition(BreakerState.HALF_OPEN, BreakerState.CLOSED)]);
    expect(t.spanNamed(attemptSpanName(OPUS)).map((s) => s.attributes[ATTR_BREAKER_STATE])).toEqual([BreakerState.CLOSED, BreakerState.HALF_OPEN]);
    expect(await t.points(METRIC_BREAKER_TRANSITIONS)).toEqual([
      { attributes: { [ATTR_BREAKER_KEY]: OPUS, [ATTR_BREAKER_FROM]: BreakerState.CLOSED, [ATTR_BREAKER_TO]: BreakerState.OPEN }, value: 1 },
      { attributes: { [ATTR_BREAKER_KEY]: OPUS, [ATTR_BREAKER_FROM]: BreakerState.OPEN, [ATTR_BREAKER_TO]: BreakerState.HALF_OPEN }, value: 1 },
      { attributes: { [ATTR_BREAKER_KEY]: OPUS, [ATTR_BREAKER_FROM]: BreakerState.HALF_OPEN, [ATTR_BREAKER_TO]: BreakerState.CLOSED }, value: 1 },
    ]);
    expect(await t.points(METRIC_BREAKER_STATE)).toEqual([{ attributes: { [ATTR_BREAKER_KEY]: OPUS }, value: 0 }]);
  });

  it('records a call an open circuit refused: no attempt span, outcome rejected', async () => {
    const t = setup({ admission: false, breaker: { threshold: 1, halfOpenAfterMs: 30_000 }, maxAttempts: 1 });
    await settle(t.clock, t.policy.execute(script([overloaded()]), { model: OPUS }));
    const refused = await settle(t.clock, t.policy.execute(script(['never']), { model: OPUS }));
    expect(refused.error).toBeInstanceOf(Error);
    const [, call] = t.spanNamed(SPAN_CALL);
    expect(call!.attributes).toEqual({
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_CHAT,
      [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_ANTHROPIC,
      [ATTR_GEN_AI_REQUEST_MODEL]: OPUS,
      [ATTR_POLICY]: 'chat',
      [ATTR_CALL_OUTCOME]: CallOutcome.REJECTED,
      [ATTR_CALL_ATTEMPTS]: 0,
      [ATTR_CALL_FINAL_MODEL]: OPUS,
      [ATTR_TOKENS_WASTED_INPUT]: 0,
      [ATTR_TOKENS_WASTED_OUTPUT]: 0,
      [ATTR_ERROR_TYPE]: ErrorType.CIRCUIT_OPEN,
    });
    expect(call!.status.code).toBe(SpanStatusCode.UNSET);
    expect(t.spanNamed(attemptSpanName(OPUS))).toHaveLength(1);
    expect((await t.points(METRIC_CALLS)).map((p) => p.attributes)).toEqual([
      { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'chat', [ATTR_CALL_OUTCOME]: CallOutcome.FAILED, [ATTR_ERROR_TYPE]: ErrorType.OVERLOADED },
      { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'chat', [ATTR_CALL_OUTCOME]: CallOutcome.REJECTED, [ATTR_ERROR_TYPE]: ErrorType.CIRCUIT_OPEN },
    ]);
  });

  it('records a retry refused by the budget', async () => {
    const t = setup({ budget: { ratio: 0.1, minRetriesPerSecond: 0 }, breaker: false });
    const result = await settle(t.clock, t.policy.execute(script([overloaded()]), { model: OPUS }));
    expect(result.error).toBeInstanceOf(Error);
    const [call] = t.spanNamed(SPAN_CALL);
    expect(eventsOf(call!)).toEqual([{ name: EVENT_BUDGET_EXHAUSTED, attributes: { [ATTR_BUDGET_KEY]: OPUS } }]);
    expect(call!.attributes[ATTR_ERROR_TYPE]).toBe(ErrorType.BUDGET_EXHAUSTED);
    expect(call!.status.code).toBe(SpanStatusCode.ERROR);
    expect(await t.points(METRIC_BUDGET_REJECTIONS)).toEqual([{ attributes: { [ATTR_BUDGET_KEY]: OPUS }, value: 1 }]);
  });

  it('records the abandonment decision with the time left', async () => {
    const t = setup({ breaker: false });
    const result = await settle(t.clock, t.policy.execute(script([overloaded(5000)]), { model: OPUS, deadlineMs: 3000 }));
    expect(result.error).toBeInstanceOf(Error);
    const [call] = t.spanNamed(SPAN_CALL);
    // The 529's retry-after pauses Opus past the deadline: admission refuses the retry at once, then the call is abandoned.
    expect(eventsOf(call!)).toEqual([
      {
        name: EVENT_ADMISSION_WAIT,
        attributes: { [ATTR_ADMISSION_WAIT_MS]: 0, [ATTR_ADMISSION_OUTCOME]: AdmissionOutcome.REFUSED, [ATTR_ADMISSION_REFUSAL_REASON]: AdmissionRefusalReason.DEADLINE },
      },
      { name: EVENT_ABANDON, attributes: { [ATTR_ABANDON_DECISION]: AbandonDecision.ERROR, [ATTR_ABANDON_DEADLINE_REMAINING_MS]: 3000 } },
    ]);
    expect(call!.attributes[ATTR_ERROR_TYPE]).toBe(ErrorType.DEADLINE_EXCEEDED);
  });

  it('records a deferred call: the defer decision, outcome deferred, not an error span', async () => {
    const deferrer = new InMemoryDeferrer();
    const t = setup({ breaker: false, abandon: { deferrer, deferIfRemainingMs: 300_000 } });
    const result = await settle(t.clock, t.policy.execute(script([overloaded()]), { model: OPUS, deadlineMs: 1_800_000, deferPayload: { prompt: 'hi' } }));
    expect(isCallDeferredError(result.error)).toBe(true);
    const [call] = t.spanNamed(SPAN_CALL);
    expect(eventsOf(call!)).toEqual([
      { name: EVENT_ABANDON, attributes: { [ATTR_ABANDON_DECISION]: AbandonDecision.DEFER, [ATTR_ABANDON_DEADLINE_REMAINING_MS]: 1_800_000 } },
      { name: EVENT_QUEUE_DEFER, attributes: { [ATTR_QUEUE_TASK_ID]: 'deferred-1' } },
    ]);
    expect(call!.attributes[ATTR_CALL_OUTCOME]).toBe(CallOutcome.DEFERRED);
    expect(call!.attributes[ATTR_ERROR_TYPE]).toBe(ErrorType.OVERLOADED);
    expect(call!.status.code).toBe(SpanStatusCode.UNSET);
    // The task carries the call span's traceparent, for the drain's span link.
    const { traceId, spanId } = call!.spanContext();
    expect([...deferrer.tasks.values()][0]?.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    expect(await t.points(METRIC_CALLS)).toEqual([
      {
        attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'chat', [ATTR_CALL_OUTCOME]: CallOutcome.DEFERRED, [ATTR_ERROR_TYPE]: ErrorType.OVERLOADED },
        value: 1,
      },
    ]);
  });

  it('ends the backoff span at the abort that cut the wait, and the call as aborted', async () => {
    const t = setup({ admission: false, breaker: false });
    const controller = new AbortController();
    const running = t.policy.execute(script([overloaded(30_000), 'never']), { model: OPUS, signal: controller.signal });
    const settled = running.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await t.clock.advance(100);
    controller.abort();
    await t.clock.runAll();
    expect(await settled).toBeInstanceOf(Error);
    const [backoff] = t.spanNamed(SPAN_BACKOFF);
    expect([msOf(backoff!.startTime) - T0, msOf(backoff!.endTime) - T0]).toEqual([0, 100]);
    expect(backoff!.attributes).toEqual({ [ATTR_ATTEMPT_NUMBER]: 1, [ATTR_RETRY_DELAY_S]: 30, [ATTR_RETRY_DELAY_SOURCE]: DelaySource.RETRY_AFTER });
    const [call] = t.spanNamed(SPAN_CALL);
    expect(call!.attributes[ATTR_ERROR_TYPE]).toBe(ErrorType.ABORTED);
    expect(call!.status.code).toBe(SpanStatusCode.ERROR);
    expect(msOf(call!.endTime) - T0).toBe(100);
  });

  it('records limiter waits as events and the limiter rate and rate-limit headroom as gauges', async () => {
    const t = setup({ breaker: false, limiter: { initialRate: 1, decreaseFactor: 0.5 } });
    const fn = script([overloaded(), 'ok', 'ok'], (ctx) => {
      ctx.details.rateLimitRemaining = { requests: 7, inputTokens: 1000 };
    });
    await settle(t.clock, t.policy.execute(fn, { model: OPUS }));
    await settle(t.clock, t.policy.execute(fn, { model: 'my-finetune' }));
    const calls = t.spanNamed(SPAN_CALL);
    const waits = calls.flatMap((c) => eventsOf(c)).filter((e) => e.name === EVENT_LIMITER_WAIT);
    expect(waits.length).toBeGreaterThan(0);
    for (const w of waits) expect(Object.keys(w.attributes)).toEqual([ATTR_LIMITER_WAIT_MS]);
    expect(await t.points(METRIC_LIMITER_RATE)).toEqual([
      { attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS }, value: t.policy.limiterRate(OPUS) },
      { attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OTHER_MODEL }, value: t.policy.limiterRate('my-finetune') },
    ]);
    expect(await t.points(METRIC_RATELIMIT_REMAINING)).toEqual([
      { attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_RATELIMIT_KIND]: RatelimitKind.REQUESTS }, value: 7 },
      { attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_RATELIMIT_KIND]: RatelimitKind.INPUT_TOKENS }, value: 1000 },
      { attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OTHER_MODEL, [ATTR_RATELIMIT_KIND]: RatelimitKind.REQUESTS }, value: 7 },
      { attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OTHER_MODEL, [ATTR_RATELIMIT_KIND]: RatelimitKind.INPUT_TOKENS }, value: 1000 },
    ]);
    expect(t.clock.now()).toBeGreaterThan(T0);
  });
});
