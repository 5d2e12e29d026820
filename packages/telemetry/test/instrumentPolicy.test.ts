import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_ANTHROPIC_REQUEST_ID,
  ATTR_ATTEMPT_NUMBER,
  ATTR_ATTEMPT_OUTCOME,
  ATTR_ATTEMPT_RETRY,
  ATTR_BREAKER_STATE,
  ATTR_CALL_ATTEMPTS,
  ATTR_CALL_DEADLINE_MS,
  ATTR_CALL_FINAL_MODEL,
  ATTR_CALL_OUTCOME,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_POLICY,
  ATTR_RETRY_DELAY_S,
  ATTR_RETRY_DELAY_SOURCE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_TOKENS_WASTED_INPUT,
  ATTR_TOKENS_WASTED_OUTPUT,
  AttemptOutcome,
  attemptSpanName,
  BreakerState,
  CALL_ATTEMPTS_BUCKETS,
  CallOutcome,
  DelaySource,
  ErrorType,
  GEN_AI_OPERATION_CHAT,
  GEN_AI_PROVIDER_ANTHROPIC,
  METRIC_ATTEMPTS,
  METRIC_CALL_ATTEMPTS,
  METRIC_CALL_DURATION,
  METRIC_CALLS,
  METRIC_GEN_AI_OPERATION_DURATION,
  METRIC_GEN_AI_TOKEN_USAGE,
  METRIC_RETRY_DELAY,
  METRICS,
  SPAN_BACKOFF,
  SPAN_CALL,
  TokenType,
} from '@stormwatch/conventions';
import { describe, expect, it } from 'vitest';
import { badRequest, msOf, overloaded, script, settle, setup, T0 } from './harness.js';

const OPUS = 'claude-opus-4-7';

const CALL_BASE = {
  [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_CHAT,
  [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_ANTHROPIC,
  [ATTR_GEN_AI_REQUEST_MODEL]: OPUS,
  [ATTR_POLICY]: 'chat',
};

describe('instrumentPolicy', () => {
  it('traces a successful call as a call span with one CLIENT attempt span', async () => {
    const t = setup();
    const fn = script(['answer'], (ctx) => {
      Object.assign(ctx.details, {
        stream: false,
        responseModel: `${OPUS}-20260101`,
        responseId: 'msg_1',
        finishReasons: ['end_turn'],
        usage: { inputTokens: 10, outputTokens: 20, cacheReadInputTokens: 5, cacheCreationInputTokens: 3 },
        requestId: 'req_1',
        serverAddress: 'api.anthropic.com',
        serverPort: 443,
        httpStatus: 200,
      });
    });
    const result = await settle(t.clock, t.policy.execute(fn, { model: OPUS }));
    expect(result).toEqual({ value: 'answer' });

    const [call] = t.spanNamed(SPAN_CALL);
    const [attempt] = t.spanNamed(attemptSpanName(OPUS));
    expect(t.spans()).toHaveLength(2);
    expect(call!.kind).toBe(SpanKind.INTERNAL);
    expect(call!.attributes).toEqual({
      ...CALL_BASE,
      [ATTR_CALL_OUTCOME]: CallOutcome.SUCCESS,
      [ATTR_CALL_ATTEMPTS]: 1,
      [ATTR_CALL_FINAL_MODEL]: OPUS,
      [ATTR_TOKENS_WASTED_INPUT]: 0,
      [ATTR_TOKENS_WASTED_OUTPUT]: 0,
    });
    expect(call!.status.code).toBe(SpanStatusCode.UNSET);
    expect(call!.parentSpanContext).toBeUndefined();
    expect(attempt!.kind).toBe(SpanKind.CLIENT);
    expect(attempt!.parentSpanContext?.spanId).toBe(call!.spanContext().spanId);
    expect(attempt!.spanContext().traceId).toBe(call!.spanContext().traceId);
    expect(attempt!.attributes).toEqual({
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_CHAT,
      [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_ANTHROPIC,
      [ATTR_GEN_AI_REQUEST_MODEL]: OPUS,
      [ATTR_GEN_AI_REQUEST_STREAM]: false,
      [ATTR_GEN_AI_RESPONSE_MODEL]: `${OPUS}-20260101`,
      [ATTR_GEN_AI_RESPONSE_ID]: 'msg_1',
      [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: ['end_turn'],
      [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 18,
      [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 20,
      [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 5,
      [ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]: 3,
      [ATTR_SERVER_ADDRESS]: 'api.anthropic.com',
      [ATTR_SERVER_PORT]: 443,
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200,
      [ATTR_ANTHROPIC_REQUEST_ID]: 'req_1',
      [ATTR_ATTEMPT_NUMBER]: 1,
      [ATTR_ATTEMPT_OUTCOME]: AttemptOutcome.SUCCESS,
      [ATTR_BREAKER_STATE]: BreakerState.CLOSED,
    });
    expect(msOf(call!.startTime)).toBe(T0);

    expect(await t.points(METRIC_CALLS)).toEqual([
      { attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'chat', [ATTR_CALL_OUTCOME]: CallOutcome.SUCCESS }, value: 1 },
    ]);
    expect(await t.points(METRIC_ATTEMPTS)).toEqual([
      {
        attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'chat', [ATTR_ATTEMPT_OUTCOME]: AttemptOutcome.SUCCESS, [ATTR_ATTEMPT_RETRY]: false },
        value: 1,
      },
    ]);
    const tokenPoints = await t.points(METRIC_GEN_AI_TOKEN_USAGE);
    const op = {
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_CHAT,
      [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_ANTHROPIC,
      [ATTR_GEN_AI_REQUEST_MODEL]: OPUS,
      [ATTR_GEN_AI_RESPONSE_MODEL]: `${OPUS}-20260101`,
      [ATTR_SERVER_ADDRESS]: 'api.anthropic.com',
      [ATTR_SERVER_PORT]: 443,
    };
    expect(tokenPoints.map((p) => [p.attributes, (p.value as { sum: number }).sum])).toEqual([
      [{ ...op, [ATTR_GEN_AI_TOKEN_TYPE]: TokenType.INPUT }, 18],
      [{ ...op, [ATTR_GEN_AI_TOKEN_TYPE]: TokenType.OUTPUT }, 20],
    ]);
    expect((await t.points(METRIC_GEN_AI_OPERATION_DURATION)).map((p) => p.attributes)).toEqual([op]);
  });

  it('creates every instrument with the contract unit and buckets', async () => {
    const t = setup();
    await settle(t.clock, t.policy.execute(script(['ok']), { model: OPUS }));
    const metrics = await t.collect();
    for (const m of metrics) {
      const def = METRICS.find((d) => d.name === m.descriptor.name);
      expect(def, m.descriptor.name).toBeDefined();
      expect(m.descriptor.unit).toBe(def!.unit);
      expect(m.descriptor.description).toBe(def!.description);
    }
    const attempts = metrics.find((m) => m.descriptor.name === METRIC_CALL_ATTEMPTS)!;
    const point = attempts.dataPoints[0]!.value as { buckets: { boundaries: number[]; counts: number[] } };
    expect(point.buckets.boundaries).toEqual([...CALL_ATTEMPTS_BUCKETS]);
    expect(point.buckets.counts).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('traces a 529 retry: two attempt spans, a backoff span of the real wait, one call span', async () => {
    // The 0.1 loop: the retry waits out a backoff (with admission on, it waits in the model's queue: admission.test.ts).
    const t = setup({ admission: false });
    const fn = script([overloaded(2000), 'ok'], (ctx) => void (ctx.details.httpStatus = ctx.attempt === 1 ? 529 : 200));
    const started = t.policy.execute(fn, { model: OPUS, deadlineMs: 120_000 });
    expect(await settle(t.clock, started)).toEqual({ value: 'ok' });

    const [call] = t.spanNamed(SPAN_CALL);
    const attempts = t.spanNamed(attemptSpanName(OPUS)).sort((a, b) => msOf(a.startTime) - msOf(b.startTime));
    const [backoff] = t.spanNamed(SPAN_BACKOFF);
    expect(attempts).toHaveLength(2);
    const callId = call!.spanContext().spanId;
    for (const s of [...attempts, backoff!]) expect(s.parentSpanContext?.spanId).toBe(callId);
    expect(call!.attributes).toEqual({
      ...CALL_BASE,
      [ATTR_CALL_DEADLINE_MS]: 120_000,
      [ATTR_CALL_OUTCOME]: CallOutcome.SUCCESS,
      [ATTR_CALL_ATTEMPTS]: 2,
      [ATTR_CALL_FINAL_MODEL]: OPUS,
      [ATTR_TOKENS_WASTED_INPUT]: 0,
      [ATTR_TOKENS_WASTED_OUTPUT]: 0,
    });
    expect(call!.status.code).toBe(SpanStatusCode.UNSET);
    expect(attempts[0]!.attributes).toEqual({
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_CHAT,
      [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_ANTHROPIC,
      [ATTR_GEN_AI_REQUEST_MODEL]: OPUS,
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: 529,
      [ATTR_ERROR_TYPE]: ErrorType.OVERLOADED,
      [ATTR_ATTEMPT_NUMBER]: 1,
      [ATTR_ATTEMPT_OUTCOME]: AttemptOutcome.RETRYABLE_ERROR,
      [ATTR_BREAKER_STATE]: BreakerState.CLOSED,
      [ATTR_RETRY_DELAY_S]: 2,
      [ATTR_RETRY_DELAY_SOURCE]: DelaySource.RETRY_AFTER,
    });
    expect(attempts[0]!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'scripted overloaded_error' });
    expect(attempts[1]!.attributes).toEqual({
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_CHAT,
      [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_ANTHROPIC,
      [ATTR_GEN_AI_REQUEST_MODEL]: OPUS,
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200,
      [ATTR_HTTP_REQUEST_RESEND_COUNT]: 1,
      [ATTR_ATTEMPT_NUMBER]: 2,
      [ATTR_ATTEMPT_OUTCOME]: AttemptOutcome.SUCCESS,
      [ATTR_BREAKER_STATE]: BreakerState.CLOSED,
    });
    expect(backoff!.attributes).toEqual({ [ATTR_ATTEMPT_NUMBER]: 1, [ATTR_RETRY_DELAY_S]: 2, [ATTR_RETRY_DELAY_SOURCE]: DelaySource.RETRY_AFTER });
    expect([msOf(backoff!.startTime) - T0, msOf(backoff!.endTime) - T0]).toEqual([0, 2000]);
    expect([msOf(call!.startTime) - T0, msOf(call!.endTime) - T0]).toEqual([0, 2000]);

    expect(await t.points(METRIC_ATTEMPTS)).toEqual([
      {
        attributes: {
          [ATTR_GEN_AI_REQUEST_MODEL]: OPUS,
          [ATTR_POLICY]: 'chat',
          [ATTR_ATTEMPT_OUTCOME]: AttemptOutcome.RETRYABLE_ERROR,
          [ATTR_ATTEMPT_RETRY]: false,
          [ATTR_ERROR_TYPE]: ErrorType.OVERLOADED,
        },
        value: 1,
      },
      {
        attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'chat', [ATTR_ATTEMPT_OUTCOME]: AttemptOutcome.SUCCESS, [ATTR_ATTEMPT_RETRY]: true },
        value: 1,
      },
    ]);
    const delay = await t.points(METRIC_RETRY_DELAY);
    expect(delay.map((p) => [p.attributes, (p.value as { sum: number; count: number }).sum])).toEqual([
      [{ [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_RETRY_DELAY_SOURCE]: DelaySource.RETRY_AFTER }, 2],
    ]);
    const duration = await t.points(METRIC_CALL_DURATION);
    expect(duration.map((p) => [p.attributes, (p.value as { sum: number }).sum])).toEqual([
      [{ [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'chat', [ATTR_CALL_OUTCOME]: CallOutcome.SUCCESS }, 2],
    ]);
  });

  it('marks a call that fails at once ERROR and counts it with its error type', async () => {
    const t = setup();
    const result = await settle(t.clock, t.policy.execute(script([badRequest()]), { model: OPUS }));
    expect(result.error).toBeInstanceOf(Error);
    const [call] = t.spanNamed(SPAN_CALL);
    expect(call!.attributes).toEqual({
      ...CALL_BASE,
      [ATTR_CALL_OUTCOME]: CallOutcome.FAILED,
      [ATTR_CALL_ATTEMPTS]: 1,
      [ATTR_CALL_FINAL_MODEL]: OPUS,
      [ATTR_TOKENS_WASTED_INPUT]: 0,
      [ATTR_TOKENS_WASTED_OUTPUT]: 0,
      [ATTR_ERROR_TYPE]: ErrorType.INVALID_REQUEST,
    });
    expect(call!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'scripted invalid_request_error' });
    expect(await t.points(METRIC_CALLS)).toEqual([
      {
        attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'chat', [ATTR_CALL_OUTCOME]: CallOutcome.FAILED, [ATTR_ERROR_TYPE]: ErrorType.INVALID_REQUEST },
        value: 1,
      },
    ]);
  });

  it('parents the call span on the caller span and runs the attempt with its span active', async () => {
    const t = setup();
    const outer = t.tracerProvider.getTracer('app').startSpan('handler');
    let activeInAttempt: string | undefined;
    const fn = script(['ok'], () => void (activeInAttempt = trace.getActiveSpan()?.spanContext().spanId));
    const running = context.with(trace.setSpan(context.active(), outer), () => t.policy.execute(fn, { model: OPUS }));
    await settle(t.clock, running);
    outer.end();
    const [call] = t.spanNamed(SPAN_CALL);
    const [attempt] = t.spanNamed(attemptSpanName(OPUS));
    expect(call!.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(activeInAttempt).toBe(attempt!.spanContext().spanId);
  });
});
