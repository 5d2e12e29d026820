import { context, diag, SpanKind, SpanStatusCode, trace, type Attributes, type Tracer } from '@opentelemetry/api';
import {
  AttemptOutcome,
  attemptSpanName,
  CallOutcome,
  CostKind,
  EVENT_ABANDON,
  EVENT_ADMISSION_WAIT,
  EVENT_BREAKER_TRANSITION,
  EVENT_BUDGET_EXHAUSTED,
  EVENT_FALLBACK,
  EVENT_LIMITER_WAIT,
  EVENT_QUEUE_DEFER,
  ATTR_QUEUE_TASK_ID,
  promptTokens,
  SPAN_BACKOFF,
  SPAN_CALL,
  TokenType,
  WasteKind,
  type ModelAllowList,
} from '@stormwatch/conventions';
import type {
  AbandonEvent,
  AdmissionEvent,
  AttemptDetails,
  AttemptEndEvent,
  AttemptScope,
  AttemptStartEvent,
  BackoffEndEvent,
  BackoffStartEvent,
  BreakerTransitionEvent,
  BudgetExhaustedEvent,
  CallEndEvent,
  CallInfo,
  CallStartEvent,
  Clock,
  FallbackEvent,
  IDisposable,
  LateFailureEvent,
  LateSuccessEvent,
  LimiterRateEvent,
  LimiterWaitEvent,
  Policy,
  StoreErrorEvent,
} from '@stormwatch/core';
import { DEFER_TRACE_CONTEXT, isCallDeferredError } from '@stormwatch/core';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from '../scope.js';
import {
  abandonAttributes,
  admissionEventAttributes,
  admissionRefusalAttributes,
  admissionRefused,
  admissionWaitAttributes,
  attemptEndAttributes,
  attemptErrorType,
  attemptMetricAttributes,
  attemptStartAttributes,
  backoffAttributes,
  breakerTransitionAttributes,
  budgetAttributes,
  callAttemptsAttributes,
  callEndAttributes,
  callErrorType,
  callMetricAttributes,
  callStartAttributes,
  costAttributes,
  fallbackAttributes,
  limiterWaitAttributes,
  operationAttributes,
  retryDelayAttributes,
  storeErrorAttributes,
  tokenUsageAttributes,
  wastedTokensAttributes,
  withErrorType,
} from './attributes.js';
import { newCallRecord, type CallRecord } from './CallRecord.js';
import { PolicyGauges } from './gauges.js';
import { instrumentsFor, type Instruments } from './instruments.js';
import { reportListenerErrors } from './listenerErrors.js';
import type { ContentCapture, ResolvedOptions } from './options.js';
import { reportStoreErrors } from './storeErrors.js';
import { activeAttempt, attemptEnded, attemptStarted } from './tracedCalls.js';
import { traceparentOf } from './traceparent.js';

/** Runs a listener so that a telemetry failure never reaches the policy (it goes to `diag`). */
function guard<E>(what: string, listener: (event: E) => void): (event: E) => void {
  return (event) => {
    try {
      listener(event);
    } catch (error) {
      diag.error(`@stormwatch/telemetry: ${what} listener failed`, error);
    }
  };
}

/**
 * One policy's telemetry into one pair of providers: one handler per policy event, and a
 * record per call in a `WeakMap` (the shape of OpenTelemetry's `instrumentation-undici`).
 * Span and event times are read from the policy's clock.
 */
export class PolicyInstrumentation implements IDisposable {
  readonly #tracer: Tracer;
  readonly #m: Instruments;
  readonly #gauges: PolicyGauges;
  readonly #removeGauges: () => void;
  readonly #modelOf: ModelAllowList;
  readonly #clock: Clock;
  readonly #capture: ContentCapture | undefined;
  /** This instrumentation's record of each call it saw start. */
  readonly #calls = new WeakMap<CallInfo, CallRecord>();
  /** Shared by this instrumentation's attempts: once it is disposed, the others stop deferring to them. */
  readonly #lease = { live: true };
  readonly #subscriptions: readonly IDisposable[];

  constructor(policy: Policy, options: ResolvedOptions) {
    this.#tracer = options.tracerProvider.getTracer(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);
    const { instruments, gauges } = instrumentsFor(options.meterProvider.getMeter(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION));
    this.#m = instruments;
    this.#modelOf = options.modelOf;
    this.#capture = options.capture;
    this.#clock = policy.clock;
    this.#gauges = new PolicyGauges(policy, options.modelOf);
    this.#subscriptions = [
      policy.onCallStart(guard('callStart', (e) => this.#onCallStart(e))),
      policy.onAttemptStart(guard('attemptStart', (e) => this.#onAttemptStart(e))),
      policy.useAttemptScope(this.#attemptScope),
      policy.onAttemptEnd(guard('attemptEnd', (e) => this.#onAttemptEnd(e))),
      policy.onBackoffStart(guard('backoffStart', (e) => this.#onBackoffStart(e))),
      policy.onBackoffEnd(guard('backoffEnd', (e) => this.#onBackoffEnd(e))),
      policy.onBreakerTransition(guard('breakerTransition', (e) => this.#onBreakerTransition(e))),
      policy.onFallback(guard('fallback', (e) => this.#onFallback(e))),
      policy.onBudgetExhausted(guard('budgetExhausted', (e) => this.#onBudgetExhausted(e))),
      policy.onAbandon(guard('abandon', (e) => this.#onAbandon(e))),
      policy.onAdmission(guard('admission', (e) => this.#onAdmission(e))),
      policy.onLimiterWait(guard('limiterWait', (e) => this.#onLimiterWait(e))),
      policy.onLimiterRate(guard('limiterRate', (e) => this.#onLimiterRate(e))),
      policy.onCallEnd(guard('callEnd', (e) => this.#onCallEnd(e))),
      policy.onLateFailure(guard('lateFailure', (e) => this.#onLateFailure(e))),
      policy.onLateSuccess(guard('lateSuccess', (e) => this.#onLateSuccess(e))),
      policy.onStoreError(guard('storeError', (e) => this.#onStoreError(e))),
      reportListenerErrors(policy),
      reportStoreErrors(policy),
    ];
    this.#removeGauges = gauges.add(this.#gauges);
  }

  /** Stops emitting: no handler runs any more, and the policy leaves the gauges. */
  dispose(): void {
    if (!this.#lease.live) return;
    this.#lease.live = false;
    for (const s of this.#subscriptions) s.dispose();
    this.#removeGauges();
  }

  #onCallStart({ call }: CallStartEvent): void {
    const parent = context.active();
    const span = this.#tracer.startSpan(SPAN_CALL, { kind: SpanKind.INTERNAL, attributes: callStartAttributes(call), startTime: call.startedAt }, parent);
    this.#calls.set(call, newCallRecord(span, trace.setSpan(parent, span)));
    // Should the policy defer the call, the task keeps this span's traceparent, so that the
    // drain's span can link to it (core reads the slot, knowing nothing of OpenTelemetry).
    // The first instrumentation's span, as for the attempts' active span.
    if (!call.context.has(DEFER_TRACE_CONTEXT)) call.context.set(DEFER_TRACE_CONTEXT, () => traceparentOf(span));
  }

  #onAttemptStart(event: AttemptStartEvent): void {
    const record = this.#calls.get(event.call);
    if (!record) return;
    const span = this.#tracer.startSpan(attemptSpanName(event.model), { kind: SpanKind.CLIENT, attributes: attemptStartAttributes(event), startTime: event.startedAt }, record.context);
    record.attempt = { span, context: trace.setSpan(record.context, span), capture: this.#capture, lease: this.#lease };
    attemptStarted(event.call, record.attempt);
  }

  /**
   * The attempt runs with an attempt span active, so the HTTP request (and anything it
   * logs or traces) is its child: this instrumentation's span, unless an instrumentation
   * made before it traces the attempt too (see `activeAttempt`).
   */
  readonly #attemptScope: AttemptScope = (ctx, run) => {
    const attempt = this.#calls.get(ctx.call)?.attempt;
    return attempt !== undefined && attempt === activeAttempt(ctx.call) ? context.with(attempt.context, run) : run();
  };

  #onAttemptEnd(event: AttemptEndEvent): void {
    const { call, model, attempt, outcome, error, details, startedAt, durationMs, delay } = event;
    const requestModel = this.#modelOf(model);
    const errorType = attemptErrorType(event);

    const record = this.#calls.get(call);
    const traced = record?.attempt;
    if (record && traced) {
      const span = traced.span;
      // A span the sampler dropped records nothing: skip building its attributes.
      if (span.isRecording()) {
        span.setAttributes(attemptEndAttributes(event, errorType));
        if (errorType !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : errorType });
      }
      span.end(startedAt + durationMs);
      attemptEnded(call, traced);
      record.attempt = undefined;
    }

    this.#m.attempts.add(1, attemptMetricAttributes(requestModel, event, errorType));
    const operation = operationAttributes(requestModel, details, this.#modelOf);
    if (outcome === AttemptOutcome.SUCCESS && details.usage) {
      this.#recordTokenUsage(operation, details);
      if (record) record.usageRecordedFor = attempt;
    }
    this.#m.operationDuration.record(durationMs / 1000, withErrorType(operation, errorType));
    if (delay) this.#m.retryDelay.record(delay.ms / 1000, retryDelayAttributes(requestModel, delay.source));
    if (details.rateLimitRemaining) this.#gauges.recordRemaining(requestModel, details.rateLimitRemaining);
  }

  #onBackoffStart(event: BackoffStartEvent): void {
    const record = this.#calls.get(event.call);
    if (!record) return;
    record.backoff = this.#tracer.startSpan(SPAN_BACKOFF, { kind: SpanKind.INTERNAL, attributes: backoffAttributes(event), startTime: event.startedAt }, record.context);
  }

  #onBackoffEnd({ call, startedAt, actualMs }: BackoffEndEvent): void {
    const record = this.#calls.get(call);
    if (!record?.backoff) return;
    record.backoff.end(startedAt + actualMs);
    record.backoff = undefined;
  }

  #onBreakerTransition(event: BreakerTransitionEvent): void {
    this.#m.breakerTransitions.add(1, breakerTransitionAttributes(event, this.#modelOf(event.key)));
    if (event.call) this.#calls.get(event.call)?.span.addEvent(EVENT_BREAKER_TRANSITION, breakerTransitionAttributes(event, event.key), event.at);
  }

  #onFallback(event: FallbackEvent): void {
    this.#m.fallbacks.add(1, fallbackAttributes(this.#modelOf(event.fromModel), this.#modelOf(event.toModel), event));
    this.#calls.get(event.call)?.span.addEvent(EVENT_FALLBACK, fallbackAttributes(event.fromModel, event.toModel, event), this.#clock.now());
  }

  #onBudgetExhausted({ call, key }: BudgetExhaustedEvent): void {
    this.#m.budgetRejections.add(1, budgetAttributes(this.#modelOf(key)));
    this.#calls.get(call)?.span.addEvent(EVENT_BUDGET_EXHAUSTED, budgetAttributes(key), this.#clock.now());
  }

  #onAbandon(event: AbandonEvent): void {
    this.#calls.get(event.call)?.span.addEvent(EVENT_ABANDON, abandonAttributes(event), this.#clock.now());
  }

  /** A call's wait in its model's admission queue ended (admitted, refused, aborted, deadline): the span event, the wait and any refusal. */
  #onAdmission(event: AdmissionEvent): void {
    const model = this.#modelOf(event.model);
    this.#m.admissionWait.record(event.waitedMs / 1000, admissionWaitAttributes(model, event));
    if (admissionRefused(event)) this.#m.admissionRefusals.add(1, admissionRefusalAttributes(model, event));
    this.#calls.get(event.call)?.span.addEvent(EVENT_ADMISSION_WAIT, admissionEventAttributes(event), this.#clock.now());
  }

  #onLimiterWait(event: LimiterWaitEvent): void {
    this.#calls.get(event.call)?.span.addEvent(EVENT_LIMITER_WAIT, limiterWaitAttributes(event), this.#clock.now());
  }

  #onLimiterRate({ model, ratePerSecond }: LimiterRateEvent): void {
    this.#gauges.recordLimiterRate(this.#modelOf(model), ratePerSecond);
  }

  #onCallEnd(event: CallEndEvent): void {
    const { call, outcome, attempts, durationMs, error, errorType } = event;
    const model = this.#modelOf(call.model);
    const record = this.#calls.get(call);
    if (record) {
      const span = record.span;
      if (span.isRecording()) {
        span.setAttributes(callEndAttributes(event));
        // The deferral's half of the defer → drain link: the id the queue gave the task.
        if (outcome === CallOutcome.DEFERRED && isCallDeferredError(error)) {
          span.addEvent(EVENT_QUEUE_DEFER, { [ATTR_QUEUE_TASK_ID]: error.receipt.id }, call.startedAt + durationMs);
        }
        if (outcome === CallOutcome.FAILED) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(errorType) });
      }
      // Spans left open by an early end (e.g. a bulkhead rejection) end with the call.
      const end = call.startedAt + durationMs;
      if (record.attempt) {
        record.attempt.span.end(end);
        attemptEnded(call, record.attempt);
        record.attempt = undefined;
      }
      record.backoff?.end(end);
      span.end(end);
      record.backoff = undefined;
      // The record stays (as long as the call does): a late failure or success can still add to it.
      this.#recordDetails(call, record, model);
    }
    const attributes = callMetricAttributes(model, event);
    this.#m.callDuration.record(durationMs / 1000, attributes);
    this.#m.calls.add(1, withErrorType(attributes, callErrorType(event)));
    this.#m.callAttempts.record(attempts, callAttemptsAttributes(model, call));
  }

  #onLateFailure({ call }: LateFailureEvent): void {
    const record = this.#calls.get(call);
    if (record) this.#recordDetails(call, record, this.#modelOf(call.model));
  }

  /** A stream delivered from its first content ends after its call did: its usage and cost come now. */
  #onLateSuccess({ call, model, attempt, details }: LateSuccessEvent): void {
    const record = this.#calls.get(call);
    if (!record) return;
    if (record.usageRecordedFor !== attempt) {
      this.#recordTokenUsage(operationAttributes(this.#modelOf(model), details, this.#modelOf), details);
      record.usageRecordedFor = attempt;
    }
    this.#recordDetails(call, record, this.#modelOf(call.model));
  }

  /** An operation of the policy's store rejected; the call went on as if the store were calm. */
  #onStoreError(event: StoreErrorEvent): void {
    this.#m.storeErrors.add(1, storeErrorAttributes(this.#modelOf(event.model), event));
  }

  /** Billable tokens of a successful attempt (`gen_ai.client.token.usage`, by the contract's input-token rule). */
  #recordTokenUsage(operation: Attributes, details: AttemptDetails): void {
    if (!details.usage) return;
    this.#m.tokenUsage.record(promptTokens(details.usage), tokenUsageAttributes(operation, TokenType.INPUT));
    this.#m.tokenUsage.record(details.usage.outputTokens, tokenUsageAttributes(operation, TokenType.OUTPUT));
  }

  /** Adds to the waste and cost counters what `call.details` gained since the last time. */
  #recordDetails(call: CallInfo, record: CallRecord, model: string): void {
    const d = call.details;
    const before = record.recorded;
    const now = {
      resent: d.wastedInputTokens.resent,
      billedInput: d.wastedInputTokens.billed,
      billedOutput: d.wastedOutputTokens.billed,
      costUsd: d.costUsd ?? 0,
      wastedCostUsd: d.wastedCostUsd ?? 0,
    };
    const { tokensWasted, costUsd } = this.#m;
    if (now.resent > before.resent) tokensWasted.add(now.resent - before.resent, wastedTokensAttributes(model, call, TokenType.INPUT, WasteKind.RESENT));
    if (now.billedInput > before.billedInput) tokensWasted.add(now.billedInput - before.billedInput, wastedTokensAttributes(model, call, TokenType.INPUT, WasteKind.BILLED));
    if (now.billedOutput > before.billedOutput) tokensWasted.add(now.billedOutput - before.billedOutput, wastedTokensAttributes(model, call, TokenType.OUTPUT, WasteKind.BILLED));
    if (now.costUsd > before.costUsd) costUsd.add(now.costUsd - before.costUsd, costAttributes(model, call, CostKind.USEFUL));
    if (now.wastedCostUsd > before.wastedCostUsd) costUsd.add(now.wastedCostUsd - before.wastedCostUsd, costAttributes(model, call, CostKind.WASTED));
    record.recorded = now;
  }
}
