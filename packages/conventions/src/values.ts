/**
 * The closed value sets of the contract. Each is a frozen object (for lookups by name)
 * and a union type (for exhaustive `switch`es).
 */

type ValuesOf<T> = T[keyof T];

export const GEN_AI_OPERATION_CHAT = 'chat';
export const GEN_AI_PROVIDER_ANTHROPIC = 'anthropic';

/** `stormwatch.call.outcome`: how a logical call ended. */
export const CallOutcome = Object.freeze({
  SUCCESS: 'success',
  FALLBACK_SUCCESS: 'fallback_success',
  FAILED: 'failed',
  DEFERRED: 'deferred',
  REJECTED: 'rejected',
} as const);
export type CallOutcome = ValuesOf<typeof CallOutcome>;

/** `stormwatch.attempt.outcome`: how one HTTP attempt ended. */
export const AttemptOutcome = Object.freeze({
  SUCCESS: 'success',
  RETRYABLE_ERROR: 'retryable_error',
  FATAL_ERROR: 'fatal_error',
  DISCARDED: 'discarded',
  ABORTED: 'aborted',
} as const);
export type AttemptOutcome = ValuesOf<typeof AttemptOutcome>;

/**
 * `error.type`: the error classes of `@stormwatch/anthropic`'s classification table, plus the
 * policy's own refusals (`circuit_open`, `budget_exhausted`, `deadline_exceeded`,
 * `queue_full`).
 */
export const ErrorType = Object.freeze({
  OVERLOADED: 'overloaded_error',
  API_ERROR: 'api_error',
  CONNECTION: 'connection_error',
  RATE_LIMIT: 'rate_limit_error',
  TIMEOUT: 'timeout_error',
  INVALID_REQUEST: 'invalid_request_error',
  NOT_FOUND: 'not_found_error',
  REQUEST_TOO_LARGE: 'request_too_large',
  AUTHENTICATION: 'authentication_error',
  PERMISSION: 'permission_error',
  ABORTED: 'aborted',
  CIRCUIT_OPEN: 'circuit_open',
  BUDGET_EXHAUSTED: 'budget_exhausted',
  DEADLINE_EXCEEDED: 'deadline_exceeded',
  /** Admission refused the call: too many calls of its model were already waiting. */
  QUEUE_FULL: 'queue_full',
  /** Anything the classifier could not place; OpenTelemetry's fallback value. */
  OTHER: '_OTHER',
} as const);
export type ErrorType = ValuesOf<typeof ErrorType>;

/** `stormwatch.retry.delay_source`: what chose the wait after an attempt. */
export const DelaySource = Object.freeze({
  RETRY_AFTER: 'retry_after',
  BACKOFF: 'backoff',
  NONE: 'none',
} as const);
export type DelaySource = ValuesOf<typeof DelaySource>;

/** `stormwatch.breaker.state` / `.from` / `.to`. */
export const BreakerState = Object.freeze({
  CLOSED: 'closed',
  OPEN: 'open',
  HALF_OPEN: 'half_open',
} as const);
export type BreakerState = ValuesOf<typeof BreakerState>;

/** The numeric value of the `stormwatch.breaker.state` gauge for each state. */
export const BREAKER_STATE_GAUGE_VALUE: Readonly<Record<BreakerState, number>> = Object.freeze({
  closed: 0,
  open: 1,
  half_open: 2,
});

/** `stormwatch.abandon.decision`. */
export const AbandonDecision = Object.freeze({
  DEFER: 'defer',
  FALLBACK: 'fallback',
  ERROR: 'error',
} as const);
export type AbandonDecision = ValuesOf<typeof AbandonDecision>;

/** `stormwatch.fallback.reason`: why a call moved to another model. */
export const FallbackReason = Object.freeze({
  CIRCUIT_OPEN: 'circuit_open',
  OVERLOADED: 'overloaded',
  DEADLINE: 'deadline',
} as const);
export type FallbackReason = ValuesOf<typeof FallbackReason>;

/**
 * `stormwatch.admission.outcome`: how the wait of a call that could not go at once ended —
 * admission let it through (`admitted`) or refused it (`refused`, with a
 * `stormwatch.admission.refusal_reason`), or the wait was cut short: by the caller's signal
 * (`aborted`) or by the call's own deadline passing while it waited (`deadline_exceeded`).
 */
export const AdmissionOutcome = Object.freeze({
  ADMITTED: 'admitted',
  REFUSED: 'refused',
  ABORTED: 'aborted',
  DEADLINE_EXCEEDED: 'deadline_exceeded',
} as const);
export type AdmissionOutcome = ValuesOf<typeof AdmissionOutcome>;

/**
 * `stormwatch.admission.refusal_reason`: why admission refused a call — its deadline could
 * not be met at the rate the model accepts, the model's queue was full, or (for a call that
 * may fall back) its wait would have been longer than a fallback model's.
 */
export const AdmissionRefusalReason = Object.freeze({
  DEADLINE: 'deadline',
  QUEUE_FULL: 'queue_full',
  LONG_WAIT: 'long_wait',
} as const);
export type AdmissionRefusalReason = ValuesOf<typeof AdmissionRefusalReason>;

/**
 * `stormwatch.store.reason`: why a shared overload store (`@stormwatch/redis`) answered an
 * operation from the process's local state instead of the fleet's shared state — Redis did
 * not answer within the store's timeout (`timeout`), there was no connection (`connection`),
 * Redis answered with an error (`error_reply`) or with something the store never expects
 * (`malformed_reply`). A reason the store reports outside this set is recorded as `_OTHER`.
 */
export const StoreReason = Object.freeze({
  TIMEOUT: 'timeout',
  CONNECTION: 'connection',
  ERROR_REPLY: 'error_reply',
  MALFORMED_REPLY: 'malformed_reply',
  /** A reason the store reported that the contract does not know. */
  OTHER: '_OTHER',
} as const);
export type StoreReason = ValuesOf<typeof StoreReason>;

/**
 * `stormwatch.store.operation`: the `OverloadStore` operation that rejected, its method name
 * in snake case (`reserveSlot` → `reserve_slot`). An operation the contract does not know
 * yet is recorded as `_OTHER`.
 */
export const StoreOperation = Object.freeze({
  RESERVE_SLOT: 'reserve_slot',
  /** Calls that went while the process saw the model calm, recorded in the fleet's state (`recordCalls`). */
  RECORD_CALLS: 'record_calls',
  REPORT_OVERLOAD: 'report_overload',
  PAUSE: 'pause',
  /** The fleet's verdict on a model's circuit (`setCircuit`). */
  SET_CIRCUIT: 'set_circuit',
  PACE: 'pace',
  DEPOSIT: 'deposit',
  TRY_WITHDRAW: 'try_withdraw',
  /** An operation the contract does not know. */
  OTHER: '_OTHER',
} as const);
export type StoreOperation = ValuesOf<typeof StoreOperation>;

/** The numeric value of the `stormwatch.store.sharing` gauge: 1 while the store shares, 0 while it answers locally. */
export const STORE_SHARING_GAUGE_VALUE = Object.freeze({ SHARING: 1, LOCAL: 0 } as const);

/** `gen_ai.token.type`. */
export const TokenType = Object.freeze({ INPUT: 'input', OUTPUT: 'output' } as const);
export type TokenType = ValuesOf<typeof TokenType>;

/**
 * `stormwatch.waste.kind`: `resent` — input tokens sent again by attempts that failed (not
 * billed, but load); `billed` — tokens billed for a result thrown away (a stream broken after
 * it started). See docs/TELEMETRY.md.
 */
export const WasteKind = Object.freeze({ RESENT: 'resent', BILLED: 'billed' } as const);
export type WasteKind = ValuesOf<typeof WasteKind>;

/** `stormwatch.cost.kind`. */
export const CostKind = Object.freeze({ USEFUL: 'useful', WASTED: 'wasted' } as const);
export type CostKind = ValuesOf<typeof CostKind>;

/** `stormwatch.ratelimit.kind`: which `anthropic-ratelimit-*-remaining` header. */
export const RatelimitKind = Object.freeze({
  REQUESTS: 'requests',
  INPUT_TOKENS: 'input_tokens',
  OUTPUT_TOKENS: 'output_tokens',
} as const);
export type RatelimitKind = ValuesOf<typeof RatelimitKind>;

/** `stormwatch.probe.outcome`: how one request of the synthetic probe ended. */
export const ProbeOutcome = Object.freeze({ SUCCESS: 'success', FAILURE: 'failure' } as const);
export type ProbeOutcome = ValuesOf<typeof ProbeOutcome>;

/**
 * A status-page component's state: the statuses of Atlassian Statuspage's v2 API, plus
 * `unknown` — the page is unreachable, answered something that is not its summary, or
 * named a status this set does not know. Unknown is never operational.
 */
export const ComponentStatus = Object.freeze({
  OPERATIONAL: 'operational',
  UNDER_MAINTENANCE: 'under_maintenance',
  DEGRADED_PERFORMANCE: 'degraded_performance',
  PARTIAL_OUTAGE: 'partial_outage',
  MAJOR_OUTAGE: 'major_outage',
  UNKNOWN: 'unknown',
} as const);
export type ComponentStatus = ValuesOf<typeof ComponentStatus>;

/**
 * The value of the `stormwatch.status.component` gauge for each state: severity order, so
 * `max()` over components is the worst one; `unknown` is −1, so "every component
 * operational" (`max == 0 and min == 0`) never holds while the page cannot be read.
 */
export const COMPONENT_STATUS_GAUGE_VALUE: Readonly<Record<ComponentStatus, number>> = Object.freeze({
  unknown: -1,
  operational: 0,
  under_maintenance: 1,
  degraded_performance: 2,
  partial_outage: 3,
  major_outage: 4,
});

/**
 * The page's overall indicator (`status.indicator` of the summary) and an incident's
 * `impact`: Statuspage's `none` · `minor` · `major` · `critical`, `maintenance` for the
 * indicator during maintenance, plus `unknown` (the page could not be read, or said
 * something else).
 */
export const IncidentImpact = Object.freeze({
  NONE: 'none',
  MINOR: 'minor',
  MAJOR: 'major',
  CRITICAL: 'critical',
  MAINTENANCE: 'maintenance',
  UNKNOWN: 'unknown',
} as const);
export type IncidentImpact = ValuesOf<typeof IncidentImpact>;

/** The value of the `stormwatch.status.indicator` gauge: severity order, `unknown` −1. */
export const STATUS_INDICATOR_GAUGE_VALUE: Readonly<Record<IncidentImpact, number>> = Object.freeze({
  unknown: -1,
  none: 0,
  maintenance: 1,
  minor: 2,
  major: 3,
  critical: 4,
});

/**
 * `stormwatch.status.poll.outcome`: a fresh summary (`updated`), an unchanged one (HTTP 304
 * to a conditional request: `not_modified`), no answer or an HTTP error (`unreachable`), or an
 * answer that is not a Statuspage v2 summary (`garbage`).
 */
export const StatusPollOutcome = Object.freeze({
  UPDATED: 'updated',
  NOT_MODIFIED: 'not_modified',
  UNREACHABLE: 'unreachable',
  GARBAGE: 'garbage',
} as const);
export type StatusPollOutcome = ValuesOf<typeof StatusPollOutcome>;

/** `stormwatch.queue.state`: where a deferred task is in its life (`TaskState` of `@stormwatch/queue`). */
export const QueueTaskState = Object.freeze({
  PENDING: 'pending',
  RUNNING: 'running',
  DONE: 'done',
  FAILED: 'failed',
  DEAD: 'dead',
} as const);
export type QueueTaskState = ValuesOf<typeof QueueTaskState>;

/**
 * `stormwatch.queue.outcome`: what became of one task a drain claimed — its handler succeeded
 * (`done`, a duplicate run included), it failed and will be retried (`failed`), it went to
 * `dead` (kept for a human), or the drain stopped and gave it back to `pending` (`released`).
 */
export const QueueDrainOutcome = Object.freeze({
  DONE: 'done',
  FAILED: 'failed',
  DEAD: 'dead',
  RELEASED: 'released',
} as const);
export type QueueDrainOutcome = ValuesOf<typeof QueueDrainOutcome>;

/**
 * `stormwatch.queue.batch.outcome`: what became of a deferred task on the Message Batches
 * path (`submitBatches`, `resumeBatches` of `@stormwatch/queue`): handed to a batch
 * (`submitted`), its request succeeded and the task is done (`done`, a duplicate settlement
 * included), it errored with a retryable type and went back to the queue as `failed`
 * (`retried`), the batch did not process it (expired, canceled, missing, or the batch is
 * gone) and it is `pending` again (`released`), it went to `dead` (`dead`), or its request
 * succeeded but the application's result handler threw, so its batch still holds it
 * (`handler_failed`).
 */
export const QueueBatchOutcome = Object.freeze({
  SUBMITTED: 'submitted',
  DONE: 'done',
  RETRIED: 'retried',
  RELEASED: 'released',
  DEAD: 'dead',
  HANDLER_FAILED: 'handler_failed',
} as const);
export type QueueBatchOutcome = ValuesOf<typeof QueueBatchOutcome>;

/**
 * `stormwatch.queue.dead_reason`: why the drain sent a task to `dead` — its error is not worth
 * retrying (`non_retryable`), its deadline passed (`deadline_passed`), or it used up its
 * attempts (`max_attempts`). A reason outside this set is recorded as `_OTHER`.
 */
export const QueueDeadReason = Object.freeze({
  NON_RETRYABLE: 'non_retryable',
  DEADLINE_PASSED: 'deadline_passed',
  MAX_ATTEMPTS: 'max_attempts',
  /** A reason the queue reported that the contract does not know. */
  OTHER: '_OTHER',
} as const);
export type QueueDeadReason = ValuesOf<typeof QueueDeadReason>;
