/**
 * Attribute keys. GenAI semantic-convention names (`gen_ai.*`) are still of
 * "Development" stability and their npm constants are deprecated, so they are copied
 * here as OpenTelemetry contrib instrumentations do (see contrib's `src/semconv.ts`).
 * The stable keys (`error.type`, `server.*`, `http.*`) are repeated too, so that this
 * package stays free of dependencies; their values match
 * `@opentelemetry/semantic-conventions`, which a test checks.
 */

// --- GenAI semantic conventions (Development) ---------------------------------------
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream';
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation.input_tokens';
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';
export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages';
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages';
export const ATTR_GEN_AI_SYSTEM_INSTRUCTIONS = 'gen_ai.system_instructions';

// --- Stable semantic conventions --------------------------------------------------------
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
export const ATTR_HTTP_REQUEST_RESEND_COUNT = 'http.request.resend_count';
export const ATTR_SERVICE_NAME = 'service.name';
/** Resource attribute: the instance of the service (becomes Prometheus's `instance` label). */
export const ATTR_SERVICE_INSTANCE_ID = 'service.instance.id';

// --- Anthropic-specific ----------------------------------------------------------------
/** The `request-id` response header. Spans only, never metrics. */
export const ATTR_ANTHROPIC_REQUEST_ID = 'anthropic.request_id';

// --- Stormwatch: the logical call -------------------------------------------------------
export const ATTR_POLICY = 'stormwatch.policy';
export const ATTR_CALL_OUTCOME = 'stormwatch.call.outcome';
export const ATTR_CALL_ATTEMPTS = 'stormwatch.call.attempts';
export const ATTR_CALL_FINAL_MODEL = 'stormwatch.call.final_model';
/** The call's deadline, in milliseconds from the call's start. */
export const ATTR_CALL_DEADLINE_MS = 'stormwatch.call.deadline_ms';
export const ATTR_TOKENS_WASTED_INPUT = 'stormwatch.tokens.wasted.input';
export const ATTR_TOKENS_WASTED_OUTPUT = 'stormwatch.tokens.wasted.output';
/** Cost of the call in USD; absent when a model's price is unknown. */
export const ATTR_COST_USD = 'stormwatch.cost.usd';
export const ATTR_COST_WASTED_USD = 'stormwatch.cost.wasted_usd';

// --- Stormwatch: one attempt ---------------------------------------------------------
/** 1-based number of the attempt within its call. */
export const ATTR_ATTEMPT_NUMBER = 'stormwatch.attempt.number';
export const ATTR_ATTEMPT_OUTCOME = 'stormwatch.attempt.outcome';
/** `true` for every attempt after the first (metrics only). */
export const ATTR_ATTEMPT_RETRY = 'stormwatch.attempt.retry';
/** Breaker state when the attempt started. */
export const ATTR_BREAKER_STATE = 'stormwatch.breaker.state';
/** Wait chosen after an attempt, in seconds. */
export const ATTR_RETRY_DELAY_S = 'stormwatch.retry.delay_s';
export const ATTR_RETRY_DELAY_SOURCE = 'stormwatch.retry.delay_source';

// --- Stormwatch: decisions -----------------------------------------------------------
export const ATTR_BREAKER_KEY = 'stormwatch.breaker.key';
export const ATTR_BREAKER_FROM = 'stormwatch.breaker.from';
export const ATTR_BREAKER_TO = 'stormwatch.breaker.to';
export const ATTR_FALLBACK_FROM_MODEL = 'stormwatch.fallback.from_model';
export const ATTR_FALLBACK_TO_MODEL = 'stormwatch.fallback.to_model';
export const ATTR_FALLBACK_REASON = 'stormwatch.fallback.reason';
export const ATTR_BUDGET_KEY = 'stormwatch.budget.key';
export const ATTR_ABANDON_DECISION = 'stormwatch.abandon.decision';
export const ATTR_ABANDON_DEADLINE_REMAINING_MS = 'stormwatch.abandon.deadline_remaining_ms';
export const ATTR_LIMITER_WAIT_MS = 'stormwatch.limiter.wait_ms';

// --- Stormwatch: admission control ------------------------------------------------------
/** Time the call waited in its model's admission queue, in milliseconds (0 when refused at once). */
export const ATTR_ADMISSION_WAIT_MS = 'stormwatch.admission.wait_ms';
/** How the call's admission wait ended: admitted, refused, aborted by the caller, or its deadline passed (`AdmissionOutcome`). */
export const ATTR_ADMISSION_OUTCOME = 'stormwatch.admission.outcome';
/** Why admission refused the call (`AdmissionRefusalReason`); only on refusals. */
export const ATTR_ADMISSION_REFUSAL_REASON = 'stormwatch.admission.refusal_reason';

// --- Stormwatch: the overload store (metrics only) ----------------------------------------
/** Why a shared overload store answered operations from the process's local state (`StoreReason`). */
export const ATTR_STORE_REASON = 'stormwatch.store.reason';
/** The overload-store operation that rejected (`StoreOperation`). */
export const ATTR_STORE_OPERATION = 'stormwatch.store.operation';

// --- Stormwatch: metric-only dimensions ---------------------------------------------------
export const ATTR_WASTE_KIND = 'stormwatch.waste.kind';
export const ATTR_COST_KIND = 'stormwatch.cost.kind';
export const ATTR_RATELIMIT_KIND = 'stormwatch.ratelimit.kind';

// --- Stormwatch: the synthetic probe and the status-page watch (metrics only) -------------
/** How one probe request ended (`ProbeOutcome`). */
export const ATTR_PROBE_OUTCOME = 'stormwatch.probe.outcome';
/** The status page watched: the host of its base URL (`status.anthropic.com`). */
export const ATTR_STATUS_PAGE = 'stormwatch.status.page';
/** A status-page component's name as the page shows it (`Claude API`). */
export const ATTR_STATUS_COMPONENT = 'stormwatch.status.component';
/** An active incident's title as the page shows it. */
export const ATTR_STATUS_INCIDENT_NAME = 'stormwatch.status.incident.name';
/** An active incident's impact (`IncidentImpact`). */
export const ATTR_STATUS_INCIDENT_IMPACT = 'stormwatch.status.incident.impact';
/** What one poll of the status page got (`StatusPollOutcome`). */
export const ATTR_STATUS_POLL_OUTCOME = 'stormwatch.status.poll.outcome';

// --- Stormwatch: the deferral queue -----------------------------------------------------------
/** The durable deferral queue a figure is about: the name given to `instrumentQueue` (`@stormwatch/queue`), `default` without one. */
export const ATTR_QUEUE_NAME = 'stormwatch.queue.name';
/** A task's state in the deferral queue (`QueueTaskState`). */
export const ATTR_QUEUE_STATE = 'stormwatch.queue.state';
/** What became of a task a drain claimed (`QueueDrainOutcome`). */
export const ATTR_QUEUE_OUTCOME = 'stormwatch.queue.outcome';
/** Why the drain sent a task to `dead` (`QueueDeadReason`); only on `dead` outcomes. */
export const ATTR_QUEUE_DEAD_REASON = 'stormwatch.queue.dead_reason';
/** What became of a deferred task sent to a Message Batch (`QueueBatchOutcome`); dead ones carry `stormwatch.queue.dead_reason` too. */
export const ATTR_QUEUE_BATCH_OUTCOME = 'stormwatch.queue.batch.outcome';
/** A deferred task's stable id (spans and span events only, never on metrics). */
export const ATTR_QUEUE_TASK_ID = 'stormwatch.queue.task.id';
/** The number of this run of a deferred task, from 1 (a claim whose process died counts). Spans only. */
export const ATTR_QUEUE_TASK_ATTEMPT = 'stormwatch.queue.task.attempt';
/** When a `failed` task will be retried, in epoch milliseconds of the queue's clock (on `stormwatch.queue.drain` events). */
export const ATTR_QUEUE_RETRY_AT = 'stormwatch.queue.retry_at';
