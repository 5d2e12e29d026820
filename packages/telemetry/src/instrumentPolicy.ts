import {
  context,
  diag,
  metrics,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Meter,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import {
  ATTR_ABANDON_DECISION,
  ATTR_ABANDON_DEADLINE_REMAINING_MS,
  ATTR_ANTHROPIC_REQUEST_ID,
  ATTR_ATTEMPT_NUMBER,
  ATTR_ATTEMPT_OUTCOME,
  ATTR_ATTEMPT_RETRY,
  ATTR_BREAKER_FROM,
  ATTR_BREAKER_KEY,
  ATTR_BREAKER_STATE,
  ATTR_BREAKER_TO,
  ATTR_BUDGET_KEY,
  ATTR_CALL_ATTEMPTS,
  ATTR_CALL_DEADLINE_MS,
  ATTR_CALL_FINAL_MODEL,
  ATTR_CALL_OUTCOME,
  ATTR_COST_KIND,
  ATTR_COST_USD,
  ATTR_COST_WASTED_USD,
  ATTR_ERROR_TYPE,
  ATTR_FALLBACK_FROM_MODEL,
  ATTR_FALLBACK_REASON,
  ATTR_FALLBACK_TO_MODEL,
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
  ATTR_LIMITER_WAIT_MS,
  ATTR_POLICY,
  ATTR_RETRY_DELAY_S,
  ATTR_RETRY_DELAY_SOURCE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_TOKENS_WASTED_INPUT,
  ATTR_TOKENS_WASTED_OUTPUT,
  ATTR_WASTE_KIND,
  AttemptOutcome,
  CallOutcome,
  CostKind,
  createModelAllowList,
  ErrorType,
  EVENT_ABANDON,
  EVENT_BREAKER_TRANSITION,
  EVENT_BUDGET_EXHAUSTED,
  EVENT_FALLBACK,
  EVENT_LIMITER_WAIT,
  GEN_AI_OPERATION_CHAT,
  GEN_AI_PROVIDER_ANTHROPIC,
  RatelimitKind,
  SPAN_BACKOFF,
  SPAN_CALL,
  attemptSpanName,
  TokenType,
  WasteKind,
  type ModelAllowList,
} from '@stormwatch/conventions';
import type { AttemptDetails, CallInfo, IDisposable, Policy } from '@stormwatch/core';
import type { BreakerState } from '@stormwatch/conventions';
import { ATTEMPT_CONTEXT, CONTENT_CAPTURE, type ContentCapture } from './internal/keys.js';
import { seen, SharedGauges, type GaugeSource } from './internal/gauges.js';
import { createInstruments, type Instruments } from './internal/instruments.js';
import { markInstrumented } from './internal/instrumented.js';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './scope.js';
import type { TelemetryOptions } from './TelemetryOptions.js';

/** Environment variable of the GenAI semantic conventions that allows content capture. */
export const CAPTURE_CONTENT_ENV = 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT';

const DEFAULT_MAX_CONTENT_LENGTH = 16_384;

/** What one instrumentation keeps per call in `CallInfo.context`. */
interface CallState {
  readonly span: Span;
  readonly spanContext: Context;
  attemptSpan?: Span;
  backoffSpan?: Span;
  /** Detail counters already recorded on metrics (late failures add more after the call's end). */
  recorded: { resent: number; billedInput: number; billedOutput: number; costUsd: number; wastedCostUsd: number };
  /** The attempt whose token usage is on `gen_ai.client.token.usage` already. */
  usageRecordedFor?: number;
}

/** Instruments (and the gauges' callbacks) are shared by every instrumentation on the same meter. */
const instrumentsByMeter = new WeakMap<Meter, { m: Instruments; gauges: SharedGauges }>();

function instrumentsFor(meter: Meter): { m: Instruments; gauges: SharedGauges } {
  let found = instrumentsByMeter.get(meter);
  if (!found) {
    const m = createInstruments(meter);
    instrumentsByMeter.set(meter, (found = { m, gauges: new SharedGauges(m) }));
  }
  return found;
}

function validate(options: TelemetryOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`instrumentPolicy: options must be an object, got ${String(options)}`);
  const { maxContentLength, captureMessageContent } = options;
  if (maxContentLength !== undefined && !(Number.isInteger(maxContentLength) && maxContentLength > 0)) {
    throw new RangeError(`instrumentPolicy: maxContentLength must be a positive integer, got ${String(maxContentLength)}`);
  }
  if (captureMessageContent !== undefined && typeof captureMessageContent !== 'boolean') {
    throw new TypeError(`instrumentPolicy: captureMessageContent must be a boolean, got ${String(captureMessageContent)}`);
  }
}

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

function promptTokens(details: AttemptDetails): number | undefined {
  const u = details.usage;
  if (!u) return undefined;
  return u.inputTokens + (u.cacheReadInputTokens ?? 0) + (u.cacheCreationInputTokens ?? 0);
}

/**
 * What one policy contributes to the shared gauges. Built outside `instrumentPolicy` on
 * purpose: a closure there would share its scope, which holds the policy's subscriptions,
 * and the meter would keep a discarded policy alive through it. This one holds the policy
 * weakly and drops out of the gauges once the policy is collected.
 */
function gaugeSource(
  policyRef: WeakRef<Policy>,
  modelOf: ModelAllowList,
  remaining: GaugeSource['remaining'],
  limiterRates: GaugeSource['limiterRates'],
): GaugeSource {
  return {
    breakerStates() {
      const live = policyRef.deref();
      if (!live) return undefined;
      return [...live.breakerStates()].map(([key, state]): [string, BreakerState] => [modelOf(key), state]);
    },
    remaining,
    limiterRates,
  };
}

/**
 * Emits the Stormwatch telemetry contract for one policy: a `stormwatch.call` span per
 * logical call (INTERNAL, child of the caller's active span), a `chat {model}` CLIENT span
 * per attempt (child of the call span, the active context while the attempt runs), a
 * `stormwatch.backoff` span per wait, span events for breaker transitions, fallbacks, the
 * retry budget, abandonment and limiter waits, and every metric of `docs/TELEMETRY.md`.
 * Span times are read from the policy's clock.
 *
 * Uses `@opentelemetry/api` only: with no SDK installed everything is a no-op. A failure
 * inside the telemetry is reported to `diag` and never reaches the call.
 *
 * A policy already instrumented into the same providers (e.g. by `@stormwatch/node`'s
 * registration) is left as it is, with a `diag` warning: a second instrumentation would
 * double every span and metric. Different providers each get their own.
 *
 * @returns a disposable that stops the instrumentation (spans already started still end).
 */
export function instrumentPolicy(policy: Policy, options: TelemetryOptions = {}): IDisposable {
  validate(options);
  const tracerProvider = options.tracerProvider ?? trace.getTracerProvider();
  const meterProvider = options.meterProvider ?? metrics.getMeterProvider();
  const unmark = markInstrumented(policy, tracerProvider, meterProvider);
  if (!unmark) {
    diag.warn(`@stormwatch/telemetry: policy "${policy.name}" is already instrumented into these providers; not instrumenting it twice`);
    return { dispose() {} };
  }
  const tracer: Tracer = tracerProvider.getTracer(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);
  const meter: Meter = meterProvider.getMeter(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);
  const { m, gauges } = instrumentsFor(meter);
  const modelOf: ModelAllowList = createModelAllowList(options.models);
  const clock = policy.clock;
  const capture: ContentCapture | undefined =
    (options.captureMessageContent ?? process.env[CAPTURE_CONTENT_ENV]?.toLowerCase() === 'true')
      ? { maxLength: options.maxContentLength ?? DEFAULT_MAX_CONTENT_LENGTH }
      : undefined;
  /** This instrumentation's slot in `CallInfo.context` (another instrumentation has its own). */
  const slot = Symbol('@stormwatch/telemetry:call');
  const stateOf = (call: CallInfo) => call.context.get(slot) as CallState | undefined;

  /** Last `anthropic-ratelimit-*-remaining` values, by model and kind. */
  const remaining: GaugeSource['remaining'] = new Map();
  /** Last limiter rates, by model. */
  const limiterRates: GaugeSource['limiterRates'] = new Map();

  const subscriptions: IDisposable[] = [];

  subscriptions.push(
    policy.onCallStart(
      guard('callStart', ({ call }) => {
        const attributes: Attributes = {
          [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_CHAT,
          [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_ANTHROPIC,
          [ATTR_GEN_AI_REQUEST_MODEL]: call.model,
          [ATTR_POLICY]: call.policy,
        };
        if (call.deadlineMs !== undefined) attributes[ATTR_CALL_DEADLINE_MS] = call.deadlineMs;
        const parent = context.active();
        const span = tracer.startSpan(SPAN_CALL, { kind: SpanKind.INTERNAL, attributes, startTime: call.startedAt }, parent);
        call.context.set(slot, {
          span,
          spanContext: trace.setSpan(parent, span),
          recorded: { resent: 0, billedInput: 0, billedOutput: 0, costUsd: 0, wastedCostUsd: 0 },
        } satisfies CallState);
        if (capture) call.context.set(CONTENT_CAPTURE, capture);
      }),
    ),
  );

  subscriptions.push(
    policy.onAttemptStart(
      guard('attemptStart', ({ call, model, attempt, breakerState, startedAt }) => {
        const state = stateOf(call);
        if (!state) return;
        const attributes: Attributes = {
          [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_CHAT,
          [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_ANTHROPIC,
          [ATTR_GEN_AI_REQUEST_MODEL]: model,
          [ATTR_ATTEMPT_NUMBER]: attempt,
          [ATTR_BREAKER_STATE]: breakerState,
        };
        if (attempt > 1) attributes[ATTR_HTTP_REQUEST_RESEND_COUNT] = attempt - 1;
        const span = tracer.startSpan(attemptSpanName(model), { kind: SpanKind.CLIENT, attributes, startTime: startedAt }, state.spanContext);
        state.attemptSpan = span;
        call.context.set(ATTEMPT_CONTEXT, trace.setSpan(state.spanContext, span));
      }),
    ),
  );

  // The attempt runs with its span active, so the HTTP request (and anything it logs) is its child.
  subscriptions.push(
    policy.useAttemptScope((ctx, run) => {
      const active = ctx.call.context.get(ATTEMPT_CONTEXT) as Context | undefined;
      return active ? context.with(active, run) : run();
    }),
  );

  /** The semantic-convention attributes of the `gen_ai.client.*` metrics for one attempt. */
  const operationAttributes = (requestModel: string, details: AttemptDetails): Attributes => {
    const op: Attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_CHAT,
      [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_ANTHROPIC,
      [ATTR_GEN_AI_REQUEST_MODEL]: requestModel,
    };
    if (details.responseModel !== undefined) op[ATTR_GEN_AI_RESPONSE_MODEL] = modelOf(details.responseModel);
    if (details.serverAddress !== undefined) op[ATTR_SERVER_ADDRESS] = details.serverAddress;
    if (details.serverPort !== undefined) op[ATTR_SERVER_PORT] = details.serverPort;
    return op;
  };

  /** Billable tokens of a successful attempt (`gen_ai.client.token.usage`, Anthropic's input rule). */
  const recordTokenUsage = (op: Attributes, details: AttemptDetails) => {
    if (!details.usage) return;
    m.tokenUsage.record(promptTokens(details)!, { ...op, [ATTR_GEN_AI_TOKEN_TYPE]: TokenType.INPUT });
    m.tokenUsage.record(details.usage.outputTokens, { ...op, [ATTR_GEN_AI_TOKEN_TYPE]: TokenType.OUTPUT });
  };

  subscriptions.push(
    policy.onAttemptEnd(
      guard('attemptEnd', ({ call, model, attempt, outcome, classification, error, details, startedAt, durationMs, delay }) => {
        const requestModel = modelOf(model);
        const errorType = outcome === AttemptOutcome.SUCCESS ? undefined : (classification?.errorType ?? (outcome === AttemptOutcome.ABORTED ? ErrorType.ABORTED : ErrorType.OTHER));
        const status = details.httpStatus ?? classification?.status;

        const state = stateOf(call);
        const span = state?.attemptSpan;
        // A span the sampler dropped records nothing: skip building its attributes.
        if (state && span?.isRecording()) {
          const a: Attributes = { [ATTR_ATTEMPT_OUTCOME]: outcome };
          if (details.stream !== undefined) a[ATTR_GEN_AI_REQUEST_STREAM] = details.stream;
          if (details.responseModel !== undefined) a[ATTR_GEN_AI_RESPONSE_MODEL] = details.responseModel;
          if (details.responseId !== undefined) a[ATTR_GEN_AI_RESPONSE_ID] = details.responseId;
          if (details.finishReasons !== undefined) a[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = details.finishReasons;
          const usage = details.usage;
          if (usage) {
            a[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = promptTokens(details);
            a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = usage.outputTokens;
            if (usage.cacheReadInputTokens !== undefined) a[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = usage.cacheReadInputTokens;
            if (usage.cacheCreationInputTokens !== undefined) a[ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = usage.cacheCreationInputTokens;
          }
          if (details.serverAddress !== undefined) a[ATTR_SERVER_ADDRESS] = details.serverAddress;
          if (details.serverPort !== undefined) a[ATTR_SERVER_PORT] = details.serverPort;
          if (status !== undefined) a[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
          if (details.requestId !== undefined) a[ATTR_ANTHROPIC_REQUEST_ID] = details.requestId;
          if (errorType !== undefined) a[ATTR_ERROR_TYPE] = errorType;
          if (delay) {
            a[ATTR_RETRY_DELAY_S] = delay.ms / 1000;
            a[ATTR_RETRY_DELAY_SOURCE] = delay.source;
          }
          span.setAttributes(a);
          if (errorType !== undefined) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : errorType });
          }
        }
        if (state && span) {
          span.end(startedAt + durationMs);
          state.attemptSpan = undefined;
          call.context.delete(ATTEMPT_CONTEXT);
        }

        const attemptAttrs: Attributes = {
          [ATTR_GEN_AI_REQUEST_MODEL]: requestModel,
          [ATTR_POLICY]: call.policy,
          [ATTR_ATTEMPT_OUTCOME]: outcome,
          [ATTR_ATTEMPT_RETRY]: attempt > 1,
        };
        if (errorType !== undefined) attemptAttrs[ATTR_ERROR_TYPE] = errorType;
        m.attempts.add(1, attemptAttrs);

        const op = operationAttributes(requestModel, details);
        if (outcome === AttemptOutcome.SUCCESS && details.usage) {
          recordTokenUsage(op, details);
          if (state) state.usageRecordedFor = attempt;
        }
        if (errorType !== undefined) op[ATTR_ERROR_TYPE] = errorType;
        m.operationDuration.record(durationMs / 1000, op);

        if (delay) m.retryDelay.record(delay.ms / 1000, { [ATTR_GEN_AI_REQUEST_MODEL]: requestModel, [ATTR_RETRY_DELAY_SOURCE]: delay.source });

        const r = details.rateLimitRemaining;
        if (r) {
          let byKind = remaining.get(requestModel);
          if (!byKind) remaining.set(requestModel, (byKind = new Map()));
          if (r.requests !== undefined) byKind.set(RatelimitKind.REQUESTS, seen(r.requests));
          if (r.inputTokens !== undefined) byKind.set(RatelimitKind.INPUT_TOKENS, seen(r.inputTokens));
          if (r.outputTokens !== undefined) byKind.set(RatelimitKind.OUTPUT_TOKENS, seen(r.outputTokens));
        }
      }),
    ),
  );

  subscriptions.push(
    policy.onBackoffStart(
      guard('backoffStart', ({ call, afterAttempt, plannedMs, source, startedAt }) => {
        const state = stateOf(call);
        if (!state) return;
        state.backoffSpan = tracer.startSpan(
          SPAN_BACKOFF,
          {
            kind: SpanKind.INTERNAL,
            attributes: { [ATTR_ATTEMPT_NUMBER]: afterAttempt, [ATTR_RETRY_DELAY_S]: plannedMs / 1000, [ATTR_RETRY_DELAY_SOURCE]: source },
            startTime: startedAt,
          },
          state.spanContext,
        );
      }),
    ),
  );

  subscriptions.push(
    policy.onBackoffEnd(
      guard('backoffEnd', ({ call, startedAt, actualMs }) => {
        const state = stateOf(call);
        if (!state?.backoffSpan) return;
        state.backoffSpan.end(startedAt + actualMs);
        state.backoffSpan = undefined;
      }),
    ),
  );

  subscriptions.push(
    policy.onBreakerTransition(
      guard('breakerTransition', ({ key, from, to, at, call }) => {
        const attributes = { [ATTR_BREAKER_KEY]: key, [ATTR_BREAKER_FROM]: from, [ATTR_BREAKER_TO]: to };
        m.breakerTransitions.add(1, { ...attributes, [ATTR_BREAKER_KEY]: modelOf(key) });
        if (call) stateOf(call)?.span.addEvent(EVENT_BREAKER_TRANSITION, attributes, at);
      }),
    ),
  );

  subscriptions.push(
    policy.onFallback(
      guard('fallback', ({ call, fromModel, toModel, reason }) => {
        m.fallbacks.add(1, { [ATTR_FALLBACK_FROM_MODEL]: modelOf(fromModel), [ATTR_FALLBACK_TO_MODEL]: modelOf(toModel), [ATTR_FALLBACK_REASON]: reason });
        stateOf(call)?.span.addEvent(EVENT_FALLBACK, { [ATTR_FALLBACK_FROM_MODEL]: fromModel, [ATTR_FALLBACK_TO_MODEL]: toModel, [ATTR_FALLBACK_REASON]: reason }, clock.now());
      }),
    ),
  );

  subscriptions.push(
    policy.onBudgetExhausted(
      guard('budgetExhausted', ({ call, key }) => {
        m.budgetRejections.add(1, { [ATTR_BUDGET_KEY]: modelOf(key) });
        stateOf(call)?.span.addEvent(EVENT_BUDGET_EXHAUSTED, { [ATTR_BUDGET_KEY]: key }, clock.now());
      }),
    ),
  );

  subscriptions.push(
    policy.onAbandon(
      guard('abandon', ({ call, decision, deadlineRemainingMs }) => {
        const attributes: Attributes = { [ATTR_ABANDON_DECISION]: decision };
        // A call without a deadline has Infinity left, which no exporter can encode: leave it out.
        if (Number.isFinite(deadlineRemainingMs)) attributes[ATTR_ABANDON_DEADLINE_REMAINING_MS] = deadlineRemainingMs;
        stateOf(call)?.span.addEvent(EVENT_ABANDON, attributes, clock.now());
      }),
    ),
  );

  subscriptions.push(
    policy.onLimiterWait(
      guard('limiterWait', ({ call, waitMs }) => {
        stateOf(call)?.span.addEvent(EVENT_LIMITER_WAIT, { [ATTR_LIMITER_WAIT_MS]: waitMs }, clock.now());
      }),
    ),
  );

  subscriptions.push(
    policy.onLimiterRate(
      guard('limiterRate', ({ model, ratePerSecond }) => {
        limiterRates.set(modelOf(model), seen(ratePerSecond));
      }),
    ),
  );

  /** Adds to the waste and cost counters what `call.details` gained since the last time. */
  const recordDetails = (call: CallInfo, state: CallState, model: string) => {
    const d = call.details;
    const seen = state.recorded;
    const resent = d.wastedInputTokens.resent - seen.resent;
    const billedInput = d.wastedInputTokens.billed - seen.billedInput;
    const billedOutput = d.wastedOutputTokens.billed - seen.billedOutput;
    if (resent > 0) m.tokensWasted.add(resent, { [ATTR_GEN_AI_REQUEST_MODEL]: model, [ATTR_POLICY]: call.policy, [ATTR_GEN_AI_TOKEN_TYPE]: TokenType.INPUT, [ATTR_WASTE_KIND]: WasteKind.RESENT });
    if (billedInput > 0) m.tokensWasted.add(billedInput, { [ATTR_GEN_AI_REQUEST_MODEL]: model, [ATTR_POLICY]: call.policy, [ATTR_GEN_AI_TOKEN_TYPE]: TokenType.INPUT, [ATTR_WASTE_KIND]: WasteKind.BILLED });
    if (billedOutput > 0) m.tokensWasted.add(billedOutput, { [ATTR_GEN_AI_REQUEST_MODEL]: model, [ATTR_POLICY]: call.policy, [ATTR_GEN_AI_TOKEN_TYPE]: TokenType.OUTPUT, [ATTR_WASTE_KIND]: WasteKind.BILLED });
    const useful = (d.costUsd ?? 0) - seen.costUsd;
    const wasted = (d.wastedCostUsd ?? 0) - seen.wastedCostUsd;
    if (useful > 0) m.costUsd.add(useful, { [ATTR_GEN_AI_REQUEST_MODEL]: model, [ATTR_POLICY]: call.policy, [ATTR_COST_KIND]: CostKind.USEFUL });
    if (wasted > 0) m.costUsd.add(wasted, { [ATTR_GEN_AI_REQUEST_MODEL]: model, [ATTR_POLICY]: call.policy, [ATTR_COST_KIND]: CostKind.WASTED });
    state.recorded = {
      resent: d.wastedInputTokens.resent,
      billedInput: d.wastedInputTokens.billed,
      billedOutput: d.wastedOutputTokens.billed,
      costUsd: d.costUsd ?? 0,
      wastedCostUsd: d.wastedCostUsd ?? 0,
    };
  };

  subscriptions.push(
    policy.onCallEnd(
      guard('callEnd', ({ call, outcome, attempts, finalModel, durationMs, error, errorType }) => {
        const model = modelOf(call.model);
        const state = stateOf(call);
        const failed = outcome === CallOutcome.FAILED;
        if (state?.span.isRecording()) {
          const d = call.details;
          const a: Attributes = {
            [ATTR_CALL_OUTCOME]: outcome,
            [ATTR_CALL_ATTEMPTS]: attempts,
            [ATTR_CALL_FINAL_MODEL]: finalModel,
            [ATTR_TOKENS_WASTED_INPUT]: d.wastedInputTokens.resent + d.wastedInputTokens.billed,
            [ATTR_TOKENS_WASTED_OUTPUT]: d.wastedOutputTokens.billed,
          };
          if (d.costUsd !== undefined) a[ATTR_COST_USD] = d.costUsd;
          if (d.wastedCostUsd !== undefined) a[ATTR_COST_WASTED_USD] = d.wastedCostUsd;
          if (errorType !== undefined && outcome !== CallOutcome.SUCCESS && outcome !== CallOutcome.FALLBACK_SUCCESS) a[ATTR_ERROR_TYPE] = errorType;
          state.span.setAttributes(a);
          if (failed) state.span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(errorType) });
        }
        if (state) {
          const span = state.span;
          // Spans left open by an early end (e.g. a bulkhead rejection) end with the call.
          const end = call.startedAt + durationMs;
          state.attemptSpan?.end(end);
          state.backoffSpan?.end(end);
          span.end(end);
          recordDetails(call, state, model);
          // Keep the state only while a late failure can still add waste to it.
          call.context.delete(ATTEMPT_CONTEXT);
        }
        const callAttrs: Attributes = { [ATTR_GEN_AI_REQUEST_MODEL]: model, [ATTR_POLICY]: call.policy, [ATTR_CALL_OUTCOME]: outcome };
        m.callDuration.record(durationMs / 1000, callAttrs);
        if (errorType !== undefined && outcome !== CallOutcome.SUCCESS && outcome !== CallOutcome.FALLBACK_SUCCESS) {
          m.calls.add(1, { ...callAttrs, [ATTR_ERROR_TYPE]: errorType });
        } else {
          m.calls.add(1, callAttrs);
        }
        m.callAttempts.record(attempts, { [ATTR_GEN_AI_REQUEST_MODEL]: model, [ATTR_POLICY]: call.policy });
      }),
    ),
  );

  subscriptions.push(
    policy.onLateFailure(
      guard('lateFailure', ({ call }) => {
        const state = stateOf(call);
        if (state) recordDetails(call, state, modelOf(call.model));
      }),
    ),
  );

  // A stream delivered from its first content ends after its call did: its usage and cost come now.
  subscriptions.push(
    policy.onLateSuccess(
      guard('lateSuccess', ({ call, model, attempt, details }) => {
        const state = stateOf(call);
        if (!state) return;
        if (state.usageRecordedFor !== attempt) {
          recordTokenUsage(operationAttributes(modelOf(model), details), details);
          state.usageRecordedFor = attempt;
        }
        recordDetails(call, state, modelOf(call.model));
      }),
    ),
  );

  const removeGauges = gauges.add(gaugeSource(new WeakRef(policy), modelOf, remaining, limiterRates));

  let disposed = false;
  return {
    dispose() {
      if (disposed) return;
      disposed = true;
      unmark();
      for (const s of subscriptions) s.dispose();
      removeGauges();
    },
  };
}

