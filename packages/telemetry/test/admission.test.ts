import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import {
  ATTR_ABANDON_DECISION,
  ATTR_ADMISSION_OUTCOME,
  ATTR_ADMISSION_REFUSAL_REASON,
  ATTR_ADMISSION_WAIT_MS,
  ATTR_CALL_OUTCOME,
  ATTR_ERROR_TYPE,
  ATTR_FALLBACK_FROM_MODEL,
  ATTR_FALLBACK_REASON,
  ATTR_FALLBACK_TO_MODEL,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_POLICY,
  ATTR_RETRY_DELAY_S,
  ATTR_RETRY_DELAY_SOURCE,
  AbandonDecision,
  AdmissionOutcome,
  AdmissionRefusalReason,
  attemptSpanName,
  CallOutcome,
  DelaySource,
  ErrorType,
  EVENT_ABANDON,
  EVENT_ADMISSION_WAIT,
  EVENT_FALLBACK,
  FallbackReason,
  METRIC_ADMISSION_QUEUE_DEPTH,
  METRIC_ADMISSION_RATE,
  METRIC_ADMISSION_REFUSALS,
  METRIC_ADMISSION_WAIT,
  METRIC_CALLS,
  SECONDS_BUCKETS,
  SPAN_BACKOFF,
  SPAN_CALL,
} from '@stormwatch/conventions';
import {
  createPolicy,
  InMemoryOverloadStore,
  isCallAbortedError,
  isDeadlineExceededError,
  seededRandom,
  VirtualClock,
  type PolicyOptions,
} from '@stormwatch/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { instrumentPolicy } from '../src/index.js';
import { classify, eventsOf, msOf, overloaded, pointsFrom, script, settle, setup, T0, TestReader } from './harness.js';
import { hangingSlots } from '../../core/test/storeDoubles.js';

const OPUS = 'claude-opus-4-7';
const SONNET = 'claude-sonnet-4-6';
const HAIKU = 'claude-haiku-4-5';

const onOpus = (extra: Record<string, unknown> = {}) => ({ [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'chat', ...extra });
const histogram = (p: { value: unknown }) => {
  const v = p.value as { sum: number; count: number; buckets: { boundaries: number[] } };
  return { sum: v.sum, count: v.count, boundaries: v.buckets.boundaries };
};

/** A policy with admission on (the default) whose metrics go to a delta reader, so a gauge series not observed is absent. */
function withDeltaGauges(options: Partial<PolicyOptions> = {}) {
  const reader = new TestReader(AggregationTemporality.DELTA);
  const meterProvider = new MeterProvider({ readers: [reader] });
  const t = setup(options, { meterProvider });
  return { ...t, meterProvider, points: (name: string) => pointsFrom(reader, name) };
}

afterEach(() => {
  diag.disable();
  vi.restoreAllMocks();
});

describe('admission telemetry (admission on, the default)', () => {
  it('traces a 529 retry paced by admission: the wait as an event on the call span, no backoff span', async () => {
    const t = setup();
    expect(await settle(t.clock, t.policy.execute(script([overloaded(), 'ok']), { model: OPUS, deadlineMs: 120_000 }))).toEqual({ value: 'ok' });

    // The 529 cuts Opus to 1 call/s: the retry waits for the slot a second after the first attempt.
    const [call] = t.spanNamed(SPAN_CALL);
    expect(eventsOf(call!)).toEqual([
      { name: EVENT_ADMISSION_WAIT, attributes: { [ATTR_ADMISSION_WAIT_MS]: 1000, [ATTR_ADMISSION_OUTCOME]: AdmissionOutcome.ADMITTED } },
    ]);
    expect(msOf(call!.events[0]!.time) - T0).toBe(1000);
    expect(t.spanNamed(SPAN_BACKOFF)).toEqual([]);
    const attempts = t.spanNamed(attemptSpanName(OPUS)).sort((a, b) => msOf(a.startTime) - msOf(b.startTime));
    expect(attempts.map((s) => msOf(s.startTime) - T0)).toEqual([0, 1000]);
    // No wait of the policy's own after the 529: admission chose it.
    expect(attempts[0]!.attributes).toMatchObject({ [ATTR_RETRY_DELAY_S]: 0, [ATTR_RETRY_DELAY_SOURCE]: DelaySource.NONE });
    expect(call!.attributes[ATTR_CALL_OUTCOME]).toBe(CallOutcome.SUCCESS);

    expect((await t.points(METRIC_ADMISSION_WAIT)).map((p) => [p.attributes, histogram(p)])).toEqual([
      [onOpus({ [ATTR_ADMISSION_OUTCOME]: AdmissionOutcome.ADMITTED }), { sum: 1, count: 1, boundaries: [...SECONDS_BUCKETS] }],
    ]);
    expect(await t.points(METRIC_ADMISSION_REFUSALS)).toEqual([]);
  });

  it('records nothing of admission for a call admitted at once', async () => {
    const t = setup();
    await settle(t.clock, t.policy.execute(script(['ok']), { model: OPUS }));
    expect(eventsOf(t.spanNamed(SPAN_CALL)[0]!)).toEqual([]);
    expect(await t.points(METRIC_ADMISSION_WAIT)).toEqual([]);
    expect(await t.points(METRIC_ADMISSION_REFUSALS)).toEqual([]);
  });

  it.each([
    {
      reason: AdmissionRefusalReason.QUEUE_FULL,
      // No room to wait: the retry after the 529 is refused at once.
      options: { admission: { maxQueue: 0 } },
      call: {},
      errorType: ErrorType.QUEUE_FULL,
      after: [{ name: EVENT_ABANDON, attributes: { [ATTR_ABANDON_DECISION]: AbandonDecision.ERROR } }],
    },
    {
      reason: AdmissionRefusalReason.DEADLINE,
      // The retry's turn (a second after the 529) comes after its deadline.
      options: {},
      call: { deadlineMs: 500 },
      errorType: ErrorType.DEADLINE_EXCEEDED,
      after: [{ name: EVENT_ABANDON, attributes: { [ATTR_ABANDON_DECISION]: AbandonDecision.ERROR, 'stormwatch.abandon.deadline_remaining_ms': 500 } }],
    },
  ])('records a refusal for $reason: the event with its reason, the wait and the refusal counted', async ({ reason, options, call: callOptions, errorType, after }) => {
    const t = setup(options);
    const result = await settle(t.clock, t.policy.execute(script([overloaded(), 'never']), { model: OPUS, ...callOptions }));
    expect(result.error).toBeInstanceOf(Error);

    const [call] = t.spanNamed(SPAN_CALL);
    expect(eventsOf(call!)).toEqual([
      {
        name: EVENT_ADMISSION_WAIT,
        attributes: { [ATTR_ADMISSION_WAIT_MS]: 0, [ATTR_ADMISSION_OUTCOME]: AdmissionOutcome.REFUSED, [ATTR_ADMISSION_REFUSAL_REASON]: reason },
      },
      ...after,
    ]);
    expect(call!.attributes[ATTR_ERROR_TYPE]).toBe(errorType);
    expect((await t.points(METRIC_ADMISSION_WAIT)).map((p) => [p.attributes, histogram(p).sum, histogram(p).count])).toEqual([
      [onOpus({ [ATTR_ADMISSION_OUTCOME]: AdmissionOutcome.REFUSED }), 0, 1],
    ]);
    expect(await t.points(METRIC_ADMISSION_REFUSALS)).toEqual([{ attributes: onOpus({ [ATTR_ADMISSION_REFUSAL_REASON]: reason }), value: 1 }]);
    expect(await t.points(METRIC_CALLS)).toEqual([{ attributes: onOpus({ [ATTR_CALL_OUTCOME]: CallOutcome.FAILED, [ATTR_ERROR_TYPE]: errorType }), value: 1 }]);
  });

  it('records a wait the caller aborts: the event and the wait, outcome aborted, no refusal', async () => {
    const t = setup();
    const controller = new AbortController();
    const result = t.policy.execute(script([overloaded(), 'never']), { model: OPUS, signal: controller.signal }).then(
      () => undefined,
      (error: unknown) => error,
    );
    // The retry's turn is a second after the 529; the caller gives up after 400 ms of it.
    await t.clock.advance(400);
    controller.abort(new Error('the user left'));
    expect(isCallAbortedError(await result)).toBe(true);

    const [call] = t.spanNamed(SPAN_CALL);
    expect(eventsOf(call!)).toEqual([{ name: EVENT_ADMISSION_WAIT, attributes: { [ATTR_ADMISSION_WAIT_MS]: 400, [ATTR_ADMISSION_OUTCOME]: AdmissionOutcome.ABORTED } }]);
    expect((await t.points(METRIC_ADMISSION_WAIT)).map((p) => [p.attributes, histogram(p)])).toEqual([
      [onOpus({ [ATTR_ADMISSION_OUTCOME]: AdmissionOutcome.ABORTED }), { sum: 0.4, count: 1, boundaries: [...SECONDS_BUCKETS] }],
    ]);
    expect(await t.points(METRIC_ADMISSION_REFUSALS)).toEqual([]);
  });

  it('records a wait its deadline ends: the event and the wait, outcome deadline_exceeded, no refusal', async () => {
    // A fleet store whose slot answers hang: nothing admits the retry and nothing refuses it.
    const clock = new VirtualClock(T0);
    const store = hangingSlots(new InMemoryOverloadStore({ rate: { calmRate: 1, minRate: 0.01, doublingMs: 1e9, calmAfterMs: 1e9 } }, clock));
    const t = setup({ clock, store, admission: { doublingMs: 1e9 } });
    const result = settle(clock, t.policy.execute(script([overloaded(), 'never']), { model: OPUS, deadlineMs: 5000 }));
    expect(isDeadlineExceededError((await result).error)).toBe(true);

    const [call] = t.spanNamed(SPAN_CALL);
    // The first attempt waited (0 ms) for the store's first pace read.
    expect(eventsOf(call!).filter((e) => e.name === EVENT_ADMISSION_WAIT)).toEqual([
      { name: EVENT_ADMISSION_WAIT, attributes: { [ATTR_ADMISSION_WAIT_MS]: 0, [ATTR_ADMISSION_OUTCOME]: AdmissionOutcome.ADMITTED } },
      { name: EVENT_ADMISSION_WAIT, attributes: { [ATTR_ADMISSION_WAIT_MS]: 5000, [ATTR_ADMISSION_OUTCOME]: AdmissionOutcome.DEADLINE_EXCEEDED } },
    ]);
    const waits = (await t.points(METRIC_ADMISSION_WAIT)).map((p) => [p.attributes, histogram(p).sum, histogram(p).count]);
    expect(waits).toEqual(
      expect.arrayContaining([
        [onOpus({ [ATTR_ADMISSION_OUTCOME]: AdmissionOutcome.ADMITTED }), 0, 1],
        [onOpus({ [ATTR_ADMISSION_OUTCOME]: AdmissionOutcome.DEADLINE_EXCEEDED }), 5, 1],
      ]),
    );
    expect(waits).toHaveLength(2);
    expect(await t.points(METRIC_ADMISSION_REFUSALS)).toEqual([]);
  });

  it('records a call sent to its fallback model rather than waiting long (long_wait)', async () => {
    const t = setup({ admission: { fallbackAfterMs: 500 }, fallback: { models: [SONNET], afterOverloads: 5 } });
    expect(await settle(t.clock, t.policy.execute(script([overloaded(), 'ok']), { model: OPUS }))).toEqual({ value: 'ok' });
    const [call] = t.spanNamed(SPAN_CALL);
    expect(eventsOf(call!)).toEqual([
      {
        name: EVENT_ADMISSION_WAIT,
        attributes: { [ATTR_ADMISSION_WAIT_MS]: 0, [ATTR_ADMISSION_OUTCOME]: AdmissionOutcome.REFUSED, [ATTR_ADMISSION_REFUSAL_REASON]: AdmissionRefusalReason.LONG_WAIT },
      },
      { name: EVENT_FALLBACK, attributes: { [ATTR_FALLBACK_FROM_MODEL]: OPUS, [ATTR_FALLBACK_TO_MODEL]: SONNET, [ATTR_FALLBACK_REASON]: FallbackReason.OVERLOADED } },
    ]);
    expect(call!.attributes[ATTR_CALL_OUTCOME]).toBe(CallOutcome.FALLBACK_SUCCESS);
    expect(await t.points(METRIC_ADMISSION_REFUSALS)).toEqual([
      { attributes: onOpus({ [ATTR_ADMISSION_REFUSAL_REASON]: AdmissionRefusalReason.LONG_WAIT }), value: 1 },
    ]);
  });

  it('observes the queue depth of every model called, and the rate only while a model is paced', async () => {
    const t = withDeltaGauges();
    await settle(t.clock, t.policy.execute(script(['ok']), { model: HAIKU }));
    const waiting = t.policy.execute(script([overloaded(), 'ok']), { model: OPUS });
    await t.clock.advance(500); // the retry waits for Opus's next slot

    expect(await t.points(METRIC_ADMISSION_QUEUE_DEPTH)).toEqual([
      { attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: HAIKU, [ATTR_POLICY]: 'chat' }, value: 0 },
      { attributes: onOpus(), value: 1 },
    ]);
    const paced = t.policy.admissionState(OPUS)!.ratePerSecond;
    expect(paced).toBeGreaterThan(1);
    expect(paced).toBeLessThan(1.1); // 1 call/s after the 529, doubling every 10 s
    expect(t.policy.admissionState(HAIKU)!.ratePerSecond).toBe(Number.POSITIVE_INFINITY);
    expect(await t.points(METRIC_ADMISSION_RATE)).toEqual([{ attributes: onOpus(), value: paced }]);

    expect(await settle(t.clock, waiting)).toEqual({ value: 'ok' });
    expect((await t.points(METRIC_ADMISSION_QUEUE_DEPTH)).map((p) => p.value)).toEqual([0, 0]);
    // Calm again after 30 s without overload: admission stops pacing, and the rate series is gone.
    await t.clock.advance(31_000);
    expect(t.policy.admissionState(OPUS)!.ratePerSecond).toBe(Number.POSITIVE_INFINITY);
    expect(await t.points(METRIC_ADMISSION_RATE)).toEqual([]);
  });

  it('adds up policies that share a name, and counts a policy instrumented twice on one meter once', async () => {
    const t = withDeltaGauges();
    const twin = createPolicy({ name: 'chat', classify, clock: t.clock, random: seededRandom(2) });
    instrumentPolicy(twin, { meterProvider: t.meterProvider, tracerProvider: t.tracerProvider });
    // The same policy again, into another tracer provider but the same meter.
    const again = instrumentPolicy(t.policy, {
      meterProvider: t.meterProvider,
      tracerProvider: new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })] }),
    });
    const calls = [t.policy, twin].map((p) => p.execute(script([overloaded(), 'ok']), { model: OPUS }));
    await t.clock.advance(500);
    expect(await t.points(METRIC_ADMISSION_QUEUE_DEPTH)).toEqual([{ attributes: onOpus(), value: 2 }]);
    const rates = [t.policy, twin].map((p) => p.admissionState(OPUS)!.ratePerSecond);
    expect(await t.points(METRIC_ADMISSION_RATE)).toEqual([{ attributes: onOpus(), value: rates[0]! + rates[1]! }]);
    await t.clock.runAll();
    expect(await Promise.all(calls)).toEqual(['ok', 'ok']);
    again.dispose();
  });
});

describe("the application's listener errors", () => {
  const errorsLogged = () => {
    const logged: unknown[][] = [];
    const logger: DiagLogger = { error: (...args) => void logged.push(args), warn: () => {}, info: () => {}, debug: () => {}, verbose: () => {} };
    diag.setLogger(logger, DiagLogLevel.ERROR);
    return logged;
  };

  it('go to diag once each however many instrumentations the policy has, and back to process warnings without any', async () => {
    const logged = errorsLogged();
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const t = setup();
    const second = instrumentPolicy(t.policy, {
      tracerProvider: new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })] }),
    });
    const boom = new Error('listener boom');
    t.policy.onCallEnd(() => {
      throw boom;
    });

    expect(await settle(t.clock, t.policy.execute(script(['ok']), { model: OPUS }))).toEqual({ value: 'ok' });
    expect(logged).toEqual([[`@stormwatch/telemetry: an onCallEnd listener of policy "chat" threw (the call went on)`, boom]]);

    t.handle.dispose();
    await settle(t.clock, t.policy.execute(script(['ok']), { model: OPUS }));
    expect(logged).toHaveLength(2);

    second.dispose();
    expect(await settle(t.clock, t.policy.execute(script(['ok']), { model: OPUS }))).toEqual({ value: 'ok' });
    expect(logged).toHaveLength(2);
    expect(warning).toHaveBeenCalledTimes(1);
    expect(String(warning.mock.calls[0]![0])).toContain('onCallEnd listener threw: listener boom');
  });
});
