/**
 * The attributes of every span, span event and metric point, as pure functions of the
 * policy's events. Which attribute goes where is the contract's (docs/TELEMETRY.md); the
 * names come from `@stormwatch/conventions`.
 */
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_ABANDON_DECISION,
  ATTR_ADMISSION_OUTCOME,
  ATTR_ADMISSION_REFUSAL_REASON,
  ATTR_ADMISSION_WAIT_MS,
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
  ATTR_STORE_OPERATION,
  ATTR_STORE_REASON,
  ATTR_TOKENS_WASTED_INPUT,
  ATTR_TOKENS_WASTED_OUTPUT,
  ATTR_WASTE_KIND,
  AdmissionOutcome,
  AttemptOutcome,
  CallOutcome,
  ErrorType,
  GEN_AI_OPERATION_CHAT,
  GEN_AI_PROVIDER_ANTHROPIC,
  promptTokens,
  StoreOperation,
  StoreReason,
  type AdmissionRefusalReason,
  type CostKind,
  type DelaySource,
  type ModelAllowList,
  type TokenType,
  type WasteKind,
} from '@stormwatch/conventions';
import type {
  AbandonEvent,
  AdmissionEvent,
  AttemptDetails,
  AttemptEndEvent,
  AttemptStartEvent,
  BackoffStartEvent,
  BreakerTransitionEvent,
  CallEndEvent,
  CallInfo,
  FallbackEvent,
  StoreErrorEvent,
  LimiterWaitEvent,
} from '@stormwatch/core';

/** The GenAI attributes every span and `gen_ai.client.*` point starts from. */
function genAi(requestModel: string): Attributes {
  return { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_CHAT, [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_ANTHROPIC, [ATTR_GEN_AI_REQUEST_MODEL]: requestModel };
}

/** `attributes` with `error.type` added when there is one (a new object: `attributes` may be in use). */
export function withErrorType(attributes: Attributes, errorType: ErrorType | undefined): Attributes {
  return errorType === undefined ? attributes : { ...attributes, [ATTR_ERROR_TYPE]: errorType };
}

/** Model and policy: what the `stormwatch.*` per-call metrics start from. */
function modelAndPolicy(model: string, policy: string): Attributes {
  return { [ATTR_GEN_AI_REQUEST_MODEL]: model, [ATTR_POLICY]: policy };
}

// --- stormwatch.call -------------------------------------------------------------------------

/** `stormwatch.call` at its start. */
export function callStartAttributes(call: CallInfo): Attributes {
  const a = genAi(call.model);
  a[ATTR_POLICY] = call.policy;
  if (call.deadlineMs !== undefined) a[ATTR_CALL_DEADLINE_MS] = call.deadlineMs;
  return a;
}

/** The call's `error.type`: only for an outcome that is not a success (a recovered error is not the call's). */
export function callErrorType({ outcome, errorType }: CallEndEvent): ErrorType | undefined {
  return outcome === CallOutcome.SUCCESS || outcome === CallOutcome.FALLBACK_SUCCESS ? undefined : errorType;
}

/** `stormwatch.call` at its end: outcome, attempts, and the call's waste and cost so far. */
export function callEndAttributes(event: CallEndEvent): Attributes {
  const d = event.call.details;
  const a: Attributes = {
    [ATTR_CALL_OUTCOME]: event.outcome,
    [ATTR_CALL_ATTEMPTS]: event.attempts,
    [ATTR_CALL_FINAL_MODEL]: event.finalModel,
    [ATTR_TOKENS_WASTED_INPUT]: d.wastedInputTokens.resent + d.wastedInputTokens.billed,
    [ATTR_TOKENS_WASTED_OUTPUT]: d.wastedOutputTokens.billed,
  };
  if (d.costUsd !== undefined) a[ATTR_COST_USD] = d.costUsd;
  if (d.wastedCostUsd !== undefined) a[ATTR_COST_WASTED_USD] = d.wastedCostUsd;
  const errorType = callErrorType(event);
  if (errorType !== undefined) a[ATTR_ERROR_TYPE] = errorType;
  return a;
}

/** `stormwatch.call.duration`; `stormwatch.calls` adds the call's `error.type`. */
export function callMetricAttributes(model: string, { call, outcome }: CallEndEvent): Attributes {
  const a = modelAndPolicy(model, call.policy);
  a[ATTR_CALL_OUTCOME] = outcome;
  return a;
}

/** `stormwatch.call.attempts`. */
export function callAttemptsAttributes(model: string, call: CallInfo): Attributes {
  return modelAndPolicy(model, call.policy);
}

/** `stormwatch.tokens.wasted`. */
export function wastedTokensAttributes(model: string, call: CallInfo, tokenType: TokenType, kind: WasteKind): Attributes {
  const a = modelAndPolicy(model, call.policy);
  a[ATTR_GEN_AI_TOKEN_TYPE] = tokenType;
  a[ATTR_WASTE_KIND] = kind;
  return a;
}

/** `stormwatch.cost.usd`. */
export function costAttributes(model: string, call: CallInfo, kind: CostKind): Attributes {
  const a = modelAndPolicy(model, call.policy);
  a[ATTR_COST_KIND] = kind;
  return a;
}

// --- chat {model} ----------------------------------------------------------------------------

/** `chat {model}` at its start. */
export function attemptStartAttributes({ model, attempt, breakerState }: AttemptStartEvent): Attributes {
  const a = genAi(model);
  a[ATTR_ATTEMPT_NUMBER] = attempt;
  a[ATTR_BREAKER_STATE] = breakerState;
  if (attempt > 1) a[ATTR_HTTP_REQUEST_RESEND_COUNT] = attempt - 1;
  return a;
}

/** The attempt's `error.type`: none for a success; the classifier's, else `aborted` or `_OTHER`. */
export function attemptErrorType({ outcome, classification }: AttemptEndEvent): ErrorType | undefined {
  if (outcome === AttemptOutcome.SUCCESS) return undefined;
  return classification?.errorType ?? (outcome === AttemptOutcome.ABORTED ? ErrorType.ABORTED : ErrorType.OTHER);
}

/** `chat {model}` at its end: what the attempt learned about the response, and the wait chosen after it. */
export function attemptEndAttributes({ outcome, classification, details, delay }: AttemptEndEvent, errorType: ErrorType | undefined): Attributes {
  const a: Attributes = { [ATTR_ATTEMPT_OUTCOME]: outcome };
  if (details.stream !== undefined) a[ATTR_GEN_AI_REQUEST_STREAM] = details.stream;
  if (details.responseModel !== undefined) a[ATTR_GEN_AI_RESPONSE_MODEL] = details.responseModel;
  if (details.responseId !== undefined) a[ATTR_GEN_AI_RESPONSE_ID] = details.responseId;
  if (details.finishReasons !== undefined) a[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = details.finishReasons;
  const usage = details.usage;
  if (usage) {
    a[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = promptTokens(usage);
    a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = usage.outputTokens;
    if (usage.cacheReadInputTokens !== undefined) a[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = usage.cacheReadInputTokens;
    if (usage.cacheCreationInputTokens !== undefined) a[ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = usage.cacheCreationInputTokens;
  }
  if (details.serverAddress !== undefined) a[ATTR_SERVER_ADDRESS] = details.serverAddress;
  if (details.serverPort !== undefined) a[ATTR_SERVER_PORT] = details.serverPort;
  const status = details.httpStatus ?? classification?.status;
  if (status !== undefined) a[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
  if (details.requestId !== undefined) a[ATTR_ANTHROPIC_REQUEST_ID] = details.requestId;
  if (errorType !== undefined) a[ATTR_ERROR_TYPE] = errorType;
  if (delay) {
    a[ATTR_RETRY_DELAY_S] = delay.ms / 1000;
    a[ATTR_RETRY_DELAY_SOURCE] = delay.source;
  }
  return a;
}

/** `stormwatch.attempts`. */
export function attemptMetricAttributes(requestModel: string, { call, outcome, attempt }: AttemptEndEvent, errorType: ErrorType | undefined): Attributes {
  const a = modelAndPolicy(requestModel, call.policy);
  a[ATTR_ATTEMPT_OUTCOME] = outcome;
  a[ATTR_ATTEMPT_RETRY] = attempt > 1;
  if (errorType !== undefined) a[ATTR_ERROR_TYPE] = errorType;
  return a;
}

/** The semantic-convention attributes of the `gen_ai.client.*` metrics for one attempt. */
export function operationAttributes(requestModel: string, details: AttemptDetails, modelOf: ModelAllowList): Attributes {
  const a = genAi(requestModel);
  if (details.responseModel !== undefined) a[ATTR_GEN_AI_RESPONSE_MODEL] = modelOf(details.responseModel);
  if (details.serverAddress !== undefined) a[ATTR_SERVER_ADDRESS] = details.serverAddress;
  if (details.serverPort !== undefined) a[ATTR_SERVER_PORT] = details.serverPort;
  return a;
}

/** `gen_ai.client.token.usage` for one token type, from the attempt's operation attributes. */
export function tokenUsageAttributes(operation: Attributes, tokenType: TokenType): Attributes {
  return { ...operation, [ATTR_GEN_AI_TOKEN_TYPE]: tokenType };
}

/** `stormwatch.retry.delay`. */
export function retryDelayAttributes(requestModel: string, source: DelaySource): Attributes {
  return { [ATTR_GEN_AI_REQUEST_MODEL]: requestModel, [ATTR_RETRY_DELAY_SOURCE]: source };
}

// --- stormwatch.backoff ----------------------------------------------------------------------

/** `stormwatch.backoff`: the attempt it follows and the planned wait. */
export function backoffAttributes({ afterAttempt, plannedMs, source }: BackoffStartEvent): Attributes {
  return { [ATTR_ATTEMPT_NUMBER]: afterAttempt, [ATTR_RETRY_DELAY_S]: plannedMs / 1000, [ATTR_RETRY_DELAY_SOURCE]: source };
}

// --- decisions: span events on stormwatch.call, and their counters ---------------------------

/** `stormwatch.breaker.transition` (the event carries the key as it is; the counter, allow-listed). */
export function breakerTransitionAttributes({ from, to }: BreakerTransitionEvent, key: string): Attributes {
  return { [ATTR_BREAKER_KEY]: key, [ATTR_BREAKER_FROM]: from, [ATTR_BREAKER_TO]: to };
}

/** `stormwatch.fallback` (the event carries the models as they are; the counter, allow-listed). */
export function fallbackAttributes(fromModel: string, toModel: string, { reason }: FallbackEvent): Attributes {
  return { [ATTR_FALLBACK_FROM_MODEL]: fromModel, [ATTR_FALLBACK_TO_MODEL]: toModel, [ATTR_FALLBACK_REASON]: reason };
}

/** `stormwatch.retry.budget_exhausted` and `stormwatch.retry.budget.rejections`. */
export function budgetAttributes(key: string): Attributes {
  return { [ATTR_BUDGET_KEY]: key };
}

/** `stormwatch.abandon`. */
export function abandonAttributes({ decision, deadlineRemainingMs }: AbandonEvent): Attributes {
  const a: Attributes = { [ATTR_ABANDON_DECISION]: decision };
  // A call without a deadline has Infinity left, which no exporter can encode: leave it out.
  if (Number.isFinite(deadlineRemainingMs)) a[ATTR_ABANDON_DEADLINE_REMAINING_MS] = deadlineRemainingMs;
  return a;
}

/** `stormwatch.limiter.wait`. */
export function limiterWaitAttributes({ waitMs }: LimiterWaitEvent): Attributes {
  return { [ATTR_LIMITER_WAIT_MS]: waitMs };
}

// --- admission control -------------------------------------------------------------------------

/**
 * Why admission refused the call, as the contract names it. Core's reasons are the
 * contract's closed set: a reason core added would not compile here.
 */
function refusalReason({ reason }: AdmissionEvent): AdmissionRefusalReason | undefined {
  return reason;
}

/** Whether admission refused the call (not let through, nor cut short by an abort or the deadline). */
export function admissionRefused(event: AdmissionEvent): boolean {
  return event.outcome === AdmissionOutcome.REFUSED;
}

/** `stormwatch.admission.wait` (span event): the wait, how it ended and, when refused, why. */
export function admissionEventAttributes(event: AdmissionEvent): Attributes {
  const a: Attributes = {
    [ATTR_ADMISSION_WAIT_MS]: event.waitedMs,
    [ATTR_ADMISSION_OUTCOME]: event.outcome,
  };
  const reason = refusalReason(event);
  if (admissionRefused(event) && reason !== undefined) a[ATTR_ADMISSION_REFUSAL_REASON] = reason;
  return a;
}

/**
 * `stormwatch.admission.wait` (histogram); `model` is the (allow-listed) model whose queue
 * the call waited in. Every wait is recorded, the ones cut short too, told apart by outcome.
 */
export function admissionWaitAttributes(model: string, event: AdmissionEvent): Attributes {
  const a = modelAndPolicy(model, event.call.policy);
  a[ATTR_ADMISSION_OUTCOME] = event.outcome;
  return a;
}

/** `stormwatch.admission.refusals`. */
export function admissionRefusalAttributes(model: string, event: AdmissionEvent): Attributes {
  const a = modelAndPolicy(model, event.call.policy);
  const reason = refusalReason(event);
  if (reason !== undefined) a[ATTR_ADMISSION_REFUSAL_REASON] = reason;
  return a;
}

/** `stormwatch.admission.queue.depth` and `stormwatch.admission.rate`. */
export function admissionGaugeAttributes(model: string, policy: string): Attributes {
  return modelAndPolicy(model, policy);
}

// --- the overload store ------------------------------------------------------------------------

const STORE_OPERATIONS: ReadonlySet<string> = new Set(Object.values(StoreOperation));

/**
 * The contract's name of a store operation: the `OverloadStore` method in snake case
 * (`reserveSlot` → `reserve_slot`); one the contract does not know yet becomes `_OTHER`
 * (a test checks that every operation of core's store has its name).
 */
export function storeOperationOf(operation: string): StoreOperation {
  const name = operation.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return STORE_OPERATIONS.has(name) ? (name as StoreOperation) : StoreOperation.OTHER;
}

/** `stormwatch.store.errors`; `model` is the (allow-listed) key of the operation that rejected. */
export function storeErrorAttributes(model: string, event: StoreErrorEvent): Attributes {
  const a = modelAndPolicy(model, event.policy);
  a[ATTR_STORE_OPERATION] = storeOperationOf(event.operation);
  return a;
}

const STORE_REASONS: ReadonlySet<string> = new Set(Object.values(StoreReason));

/**
 * The contract's value for a reason a store's `health()` reports its local answers under.
 * Core types the reasons as strings (any store may report its own): one the contract does
 * not know becomes `_OTHER`, so a store cannot grow the metric's cardinality.
 */
export function storeReasonOf(reason: string): StoreReason {
  return STORE_REASONS.has(reason) ? (reason as StoreReason) : StoreReason.OTHER;
}

/** `stormwatch.store.local_answers`. */
export function storeLocalAnswersAttributes(reason: StoreReason): Attributes {
  return { [ATTR_STORE_REASON]: reason };
}
