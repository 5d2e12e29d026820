import {
  ATTR_ADMISSION_OUTCOME,
  ATTR_ADMISSION_REFUSAL_REASON,
  ATTR_BREAKER_FROM,
  ATTR_BREAKER_KEY,
  ATTR_BREAKER_TO,
  ATTR_ATTEMPT_OUTCOME,
  ATTR_ATTEMPT_RETRY,
  ATTR_BUDGET_KEY,
  ATTR_CALL_OUTCOME,
  ATTR_COST_KIND,
  ATTR_ERROR_TYPE,
  ATTR_FALLBACK_FROM_MODEL,
  ATTR_FALLBACK_REASON,
  ATTR_FALLBACK_TO_MODEL,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_POLICY,
  ATTR_PROBE_OUTCOME,
  ATTR_QUEUE_BATCH_OUTCOME,
  ATTR_QUEUE_DEAD_REASON,
  ATTR_QUEUE_NAME,
  ATTR_QUEUE_OUTCOME,
  ATTR_QUEUE_STATE,
  ATTR_RATELIMIT_KIND,
  ATTR_RETRY_DELAY_SOURCE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_STATUS_COMPONENT,
  ATTR_STATUS_INCIDENT_IMPACT,
  ATTR_STATUS_INCIDENT_NAME,
  ATTR_STATUS_PAGE,
  ATTR_STATUS_POLL_OUTCOME,
  ATTR_STORE_OPERATION,
  ATTR_STORE_REASON,
  ATTR_WASTE_KIND,
} from './attributes.js';

export const METRIC_CALLS = 'stormwatch.calls';
export const METRIC_ATTEMPTS = 'stormwatch.attempts';
export const METRIC_CALL_DURATION = 'stormwatch.call.duration';
export const METRIC_CALL_ATTEMPTS = 'stormwatch.call.attempts';
export const METRIC_RETRY_DELAY = 'stormwatch.retry.delay';
export const METRIC_BUDGET_REJECTIONS = 'stormwatch.retry.budget.rejections';
export const METRIC_BREAKER_TRANSITIONS = 'stormwatch.breaker.transitions';
export const METRIC_BREAKER_STATE = 'stormwatch.breaker.state';
export const METRIC_FALLBACKS = 'stormwatch.fallbacks';
export const METRIC_TOKENS_WASTED = 'stormwatch.tokens.wasted';
export const METRIC_COST_USD = 'stormwatch.cost.usd';
export const METRIC_RATELIMIT_REMAINING = 'stormwatch.ratelimit.remaining';
export const METRIC_LIMITER_RATE = 'stormwatch.limiter.rate';
export const METRIC_ADMISSION_WAIT = 'stormwatch.admission.wait';
export const METRIC_ADMISSION_REFUSALS = 'stormwatch.admission.refusals';
export const METRIC_ADMISSION_QUEUE_DEPTH = 'stormwatch.admission.queue.depth';
export const METRIC_ADMISSION_RATE = 'stormwatch.admission.rate';
export const METRIC_STORE_SHARING = 'stormwatch.store.sharing';
export const METRIC_STORE_LOCAL_ANSWERS = 'stormwatch.store.local_answers';
export const METRIC_STORE_ERRORS = 'stormwatch.store.errors';
export const METRIC_PROBE_REQUESTS = 'stormwatch.probe.requests';
export const METRIC_PROBE_DURATION = 'stormwatch.probe.duration';
export const METRIC_PROBE_SINCE_LAST_SUCCESS = 'stormwatch.probe.since_last_success';
export const METRIC_STATUS_COMPONENT = 'stormwatch.status.component';
export const METRIC_STATUS_INDICATOR = 'stormwatch.status.indicator';
export const METRIC_STATUS_INCIDENT_STARTED = 'stormwatch.status.incident.started';
export const METRIC_STATUS_POLLS = 'stormwatch.status.polls';
export const METRIC_QUEUE_TASKS = 'stormwatch.queue.tasks';
export const METRIC_QUEUE_OLDEST_PENDING_AGE = 'stormwatch.queue.oldest_pending_age';
export const METRIC_QUEUE_DRAINED = 'stormwatch.queue.drained';
export const METRIC_QUEUE_DEADLINE_SLACK = 'stormwatch.queue.deadline_slack';
export const METRIC_QUEUE_BATCH_TASKS = 'stormwatch.queue.batch.tasks';
export const METRIC_QUEUE_BATCH_COST_USD = 'stormwatch.queue.batch.cost.usd';
export const METRIC_GEN_AI_OPERATION_DURATION = 'gen_ai.client.operation.duration';
export const METRIC_GEN_AI_TOKEN_USAGE = 'gen_ai.client.token.usage';

/** Bucket boundaries of `stormwatch.call.attempts`. */
export const CALL_ATTEMPTS_BUCKETS: readonly number[] = Object.freeze([1, 2, 3, 4, 5, 6, 8, 10]);
/** Semconv's advised buckets for `gen_ai.client.operation.duration`, in seconds. */
export const GEN_AI_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
]);
/** Semconv's advised buckets for `gen_ai.client.token.usage`. */
export const GEN_AI_TOKEN_BUCKETS: readonly number[] = Object.freeze([
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
]);
/** Buckets for Stormwatch's own second-valued histograms (call duration, retry delay, admission wait). */
export const SECONDS_BUCKETS: readonly number[] = Object.freeze([
  0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 30, 60, 120, 300,
]);

export type InstrumentKind = 'counter' | 'histogram' | 'gauge';

/** One instrument of the contract, with the name Prometheus stores it under. */
export interface MetricDefinition {
  readonly name: string;
  readonly kind: InstrumentKind;
  readonly unit: string;
  readonly description: string;
  /** Attribute keys the instrument carries (the "model" dimension is `gen_ai.request.model`). */
  readonly attributes: readonly string[];
  readonly buckets?: readonly number[];
  /**
   * The base name after the collector's Prometheus translation (dots to underscores, the
   * unit as a suffix unless it is an annotation in braces, `_total` on counters). A
   * histogram's series add `_bucket`, `_sum` and `_count`. Checked by the end-to-end test.
   */
  readonly prometheusName: string;
}

const MODEL = ATTR_GEN_AI_REQUEST_MODEL;

/** Every instrument of TELEMETRY.md, in its order. */
export const METRICS: readonly MetricDefinition[] = Object.freeze([
  {
    name: METRIC_CALLS,
    kind: 'counter',
    unit: '{call}',
    description: 'Logical calls by final outcome (error.type: the final error class of a failed call).',
    attributes: [MODEL, ATTR_POLICY, ATTR_CALL_OUTCOME, ATTR_ERROR_TYPE],
    prometheusName: 'stormwatch_calls_total',
  },
  {
    name: METRIC_ATTEMPTS,
    kind: 'counter',
    unit: '{attempt}',
    description: 'HTTP attempts by outcome and error class.',
    attributes: [MODEL, ATTR_POLICY, ATTR_ATTEMPT_OUTCOME, ATTR_ERROR_TYPE, ATTR_ATTEMPT_RETRY],
    prometheusName: 'stormwatch_attempts_total',
  },
  {
    name: METRIC_CALL_DURATION,
    kind: 'histogram',
    unit: 's',
    description: 'Duration of logical calls, backoff included.',
    attributes: [MODEL, ATTR_POLICY, ATTR_CALL_OUTCOME],
    buckets: SECONDS_BUCKETS,
    prometheusName: 'stormwatch_call_duration_seconds',
  },
  {
    name: METRIC_CALL_ATTEMPTS,
    kind: 'histogram',
    unit: '{attempt}',
    description: 'Attempts per logical call.',
    attributes: [MODEL, ATTR_POLICY],
    buckets: CALL_ATTEMPTS_BUCKETS,
    prometheusName: 'stormwatch_call_attempts',
  },
  {
    name: METRIC_RETRY_DELAY,
    kind: 'histogram',
    unit: 's',
    description: 'Waits between attempts, by what chose them.',
    attributes: [MODEL, ATTR_RETRY_DELAY_SOURCE],
    buckets: SECONDS_BUCKETS,
    prometheusName: 'stormwatch_retry_delay_seconds',
  },
  {
    name: METRIC_BUDGET_REJECTIONS,
    kind: 'counter',
    unit: '{retry}',
    description: 'Retries refused by the retry budget.',
    attributes: [ATTR_BUDGET_KEY],
    prometheusName: 'stormwatch_retry_budget_rejections_total',
  },
  {
    name: METRIC_BREAKER_TRANSITIONS,
    kind: 'counter',
    unit: '{transition}',
    description: 'Circuit breaker state transitions.',
    attributes: [ATTR_BREAKER_KEY, ATTR_BREAKER_FROM, ATTR_BREAKER_TO],
    prometheusName: 'stormwatch_breaker_transitions_total',
  },
  {
    name: METRIC_BREAKER_STATE,
    kind: 'gauge',
    unit: '',
    description: 'Circuit breaker state: 0 closed, 1 open, 2 half-open.',
    attributes: [ATTR_BREAKER_KEY],
    prometheusName: 'stormwatch_breaker_state',
  },
  {
    name: METRIC_FALLBACKS,
    kind: 'counter',
    unit: '{fallback}',
    description: 'Switches from one model to another, and why.',
    attributes: [ATTR_FALLBACK_FROM_MODEL, ATTR_FALLBACK_TO_MODEL, ATTR_FALLBACK_REASON],
    prometheusName: 'stormwatch_fallbacks_total',
  },
  {
    name: METRIC_TOKENS_WASTED,
    kind: 'counter',
    unit: '{token}',
    description: 'Tokens resent by failed attempts or billed for discarded results.',
    attributes: [MODEL, ATTR_POLICY, ATTR_GEN_AI_TOKEN_TYPE, ATTR_WASTE_KIND],
    prometheusName: 'stormwatch_tokens_wasted_total',
  },
  {
    name: METRIC_COST_USD,
    kind: 'counter',
    unit: '{USD}',
    description: 'Cost in US dollars, useful or wasted (models with a known price only).',
    attributes: [MODEL, ATTR_POLICY, ATTR_COST_KIND],
    prometheusName: 'stormwatch_cost_usd_total',
  },
  {
    name: METRIC_RATELIMIT_REMAINING,
    kind: 'gauge',
    unit: '',
    description: 'Last anthropic-ratelimit-*-remaining value seen.',
    attributes: [MODEL, ATTR_RATELIMIT_KIND],
    prometheusName: 'stormwatch_ratelimit_remaining',
  },
  {
    name: METRIC_LIMITER_RATE,
    kind: 'gauge',
    unit: '{request}/s',
    description: "The adaptive limiter's current allowed rate.",
    attributes: [MODEL],
    prometheusName: 'stormwatch_limiter_rate_per_second',
  },
  {
    name: METRIC_ADMISSION_WAIT,
    kind: 'histogram',
    unit: 's',
    description: "Time calls waited in their model's admission queue, however the wait ended: admitted, refused, aborted or past the call's deadline (calls admitted at once are not recorded).",
    attributes: [MODEL, ATTR_POLICY, ATTR_ADMISSION_OUTCOME],
    buckets: SECONDS_BUCKETS,
    prometheusName: 'stormwatch_admission_wait_seconds',
  },
  {
    name: METRIC_ADMISSION_REFUSALS,
    kind: 'counter',
    unit: '{call}',
    description: 'Calls admission control refused, by reason.',
    attributes: [MODEL, ATTR_POLICY, ATTR_ADMISSION_REFUSAL_REASON],
    prometheusName: 'stormwatch_admission_refusals_total',
  },
  {
    name: METRIC_ADMISSION_QUEUE_DEPTH,
    kind: 'gauge',
    unit: '{call}',
    description: "Calls waiting in a model's admission queue.",
    attributes: [MODEL, ATTR_POLICY],
    prometheusName: 'stormwatch_admission_queue_depth',
  },
  {
    name: METRIC_ADMISSION_RATE,
    kind: 'gauge',
    unit: '{request}/s',
    description: 'The rate admission control lets calls of a model through; observed only while the model is paced (absent while calm).',
    attributes: [MODEL, ATTR_POLICY],
    prometheusName: 'stormwatch_admission_rate_per_second',
  },
  {
    name: METRIC_STORE_SHARING,
    kind: 'gauge',
    unit: '',
    description:
      "Whether the process's shared overload store shares the fleet's state (1) or answers from the process's local state (0); only for a store that reports its health (a Redis store). With several such stores, 0 when any answers locally.",
    attributes: [],
    prometheusName: 'stormwatch_store_sharing',
  },
  {
    name: METRIC_STORE_LOCAL_ANSWERS,
    kind: 'counter',
    unit: '{operation}',
    description:
      "Operations of the process's shared overload stores answered from its local state because the shared state could not be used, by reason (each store counted once, however many policies share it).",
    attributes: [ATTR_STORE_REASON],
    prometheusName: 'stormwatch_store_local_answers_total',
  },
  {
    name: METRIC_STORE_ERRORS,
    kind: 'counter',
    unit: '{operation}',
    description: "Operations of a policy's overload store that rejected (a closed or broken store); the call went on as if the store were calm.",
    attributes: [MODEL, ATTR_POLICY, ATTR_STORE_OPERATION],
    prometheusName: 'stormwatch_store_errors_total',
  },
  {
    name: METRIC_PROBE_REQUESTS,
    kind: 'counter',
    unit: '{request}',
    description: 'Requests of the synthetic probe (stormwatch-probe), by outcome (error.type: the final error class of a failure). A rejected key stops the probe and is not counted.',
    attributes: [MODEL, ATTR_POLICY, ATTR_PROBE_OUTCOME, ATTR_ERROR_TYPE],
    prometheusName: 'stormwatch_probe_requests_total',
  },
  {
    name: METRIC_PROBE_DURATION,
    kind: 'histogram',
    unit: 's',
    description: "Latency of the synthetic probe's requests, from send to final outcome (the policy's retries included).",
    attributes: [MODEL, ATTR_POLICY, ATTR_PROBE_OUTCOME],
    buckets: SECONDS_BUCKETS,
    prometheusName: 'stormwatch_probe_duration_seconds',
  },
  {
    name: METRIC_PROBE_SINCE_LAST_SUCCESS,
    kind: 'gauge',
    unit: 's',
    description: "Time since the synthetic probe's last successful request of a model (since the probe started, before the first success).",
    attributes: [MODEL, ATTR_POLICY],
    prometheusName: 'stormwatch_probe_since_last_success_seconds',
  },
  {
    name: METRIC_STATUS_COMPONENT,
    kind: 'gauge',
    unit: '',
    description:
      'State of a status-page component: -1 unknown (page unreachable or garbage), 0 operational, 1 under maintenance, 2 degraded performance, 3 partial outage, 4 major outage.',
    attributes: [ATTR_STATUS_PAGE, ATTR_STATUS_COMPONENT],
    prometheusName: 'stormwatch_status_component',
  },
  {
    name: METRIC_STATUS_INDICATOR,
    kind: 'gauge',
    unit: '',
    description: "The status page's overall indicator: -1 unknown (page unreachable or garbage), 0 none, 1 maintenance, 2 minor, 3 major, 4 critical.",
    attributes: [ATTR_STATUS_PAGE],
    prometheusName: 'stormwatch_status_indicator',
  },
  {
    name: METRIC_STATUS_INCIDENT_STARTED,
    kind: 'gauge',
    unit: 's',
    description: 'One series per active (unresolved) status-page incident: its start as Unix time in seconds; absent once resolved or while the page cannot be read.',
    attributes: [ATTR_STATUS_PAGE, ATTR_STATUS_INCIDENT_NAME, ATTR_STATUS_INCIDENT_IMPACT],
    prometheusName: 'stormwatch_status_incident_started_seconds',
  },
  {
    name: METRIC_STATUS_POLLS,
    kind: 'counter',
    unit: '{poll}',
    description: 'Polls of the status page, by what they got.',
    attributes: [ATTR_STATUS_PAGE, ATTR_STATUS_POLL_OUTCOME],
    prometheusName: 'stormwatch_status_polls_total',
  },
  {
    name: METRIC_QUEUE_TASKS,
    kind: 'gauge',
    unit: '{task}',
    description: 'Tasks in a durable deferral queue, by state (every state observed, 0 included).',
    attributes: [ATTR_QUEUE_NAME, ATTR_QUEUE_STATE],
    prometheusName: 'stormwatch_queue_tasks',
  },
  {
    name: METRIC_QUEUE_OLDEST_PENDING_AGE,
    kind: 'gauge',
    unit: 's',
    description: 'Age of the oldest task of a durable deferral queue still to do (pending, failed or running), since it was deferred; 0 when there is none.',
    attributes: [ATTR_QUEUE_NAME],
    prometheusName: 'stormwatch_queue_oldest_pending_age_seconds',
  },
  {
    name: METRIC_QUEUE_DRAINED,
    kind: 'counter',
    unit: '{task}',
    description: 'Tasks a drain claimed, by what became of them (stormwatch.queue.dead_reason on dead ones).',
    attributes: [ATTR_QUEUE_NAME, ATTR_QUEUE_OUTCOME, ATTR_QUEUE_DEAD_REASON],
    prometheusName: 'stormwatch_queue_drained_total',
  },
  {
    name: METRIC_QUEUE_DEADLINE_SLACK,
    kind: 'gauge',
    unit: 's',
    description:
      'Least time left before its deadline among the tasks of a durable deferral queue still to do that have one; negative once that deadline passed. Not observed when no such task waits.',
    attributes: [ATTR_QUEUE_NAME],
    prometheusName: 'stormwatch_queue_deadline_slack_seconds',
  },
  {
    name: METRIC_QUEUE_BATCH_TASKS,
    kind: 'counter',
    unit: '{task}',
    description:
      'Deferred tasks on the Message Batches path, by what became of them: handed to a batch, then done, retried, released, dead (stormwatch.queue.dead_reason) or held after a failed result handler.',
    attributes: [ATTR_QUEUE_NAME, ATTR_QUEUE_BATCH_OUTCOME, ATTR_QUEUE_DEAD_REASON],
    prometheusName: 'stormwatch_queue_batch_tasks_total',
  },
  {
    name: METRIC_QUEUE_BATCH_COST_USD,
    kind: 'counter',
    unit: '{USD}',
    description:
      'What the succeeded Message Batch requests of a queue cost, in US dollars at the batch price (half the interactive price: batching saved as much again). Priced requests only.',
    attributes: [ATTR_QUEUE_NAME],
    prometheusName: 'stormwatch_queue_batch_cost_usd_total',
  },
  {
    name: METRIC_GEN_AI_OPERATION_DURATION,
    kind: 'histogram',
    unit: 's',
    description: 'GenAI operation duration, per HTTP attempt.',
    attributes: [
      ATTR_GEN_AI_OPERATION_NAME,
      ATTR_GEN_AI_PROVIDER_NAME,
      MODEL,
      ATTR_GEN_AI_RESPONSE_MODEL,
      ATTR_SERVER_ADDRESS,
      ATTR_SERVER_PORT,
      ATTR_ERROR_TYPE,
    ],
    buckets: GEN_AI_DURATION_BUCKETS,
    prometheusName: 'gen_ai_client_operation_duration_seconds',
  },
  {
    name: METRIC_GEN_AI_TOKEN_USAGE,
    kind: 'histogram',
    unit: '{token}',
    description: 'Billable tokens of successful attempts.',
    attributes: [
      ATTR_GEN_AI_OPERATION_NAME,
      ATTR_GEN_AI_PROVIDER_NAME,
      MODEL,
      ATTR_GEN_AI_RESPONSE_MODEL,
      ATTR_SERVER_ADDRESS,
      ATTR_SERVER_PORT,
      ATTR_GEN_AI_TOKEN_TYPE,
    ],
    buckets: GEN_AI_TOKEN_BUCKETS,
    prometheusName: 'gen_ai_client_token_usage',
  },
] satisfies MetricDefinition[]);

const PROBE_METRIC_NAMES: ReadonlySet<string> = new Set([
  METRIC_PROBE_REQUESTS,
  METRIC_PROBE_DURATION,
  METRIC_PROBE_SINCE_LAST_SUCCESS,
  METRIC_STATUS_COMPONENT,
  METRIC_STATUS_INDICATOR,
  METRIC_STATUS_INCIDENT_STARTED,
  METRIC_STATUS_POLLS,
]);

/**
 * The instruments of `stormwatch-probe` (`@stormwatch/probe`): the synthetic probe's own
 * figures and the status-page watch. A service's policies never emit them.
 */
export const PROBE_METRICS: readonly MetricDefinition[] = Object.freeze(METRICS.filter((m) => PROBE_METRIC_NAMES.has(m.name)));

const QUEUE_METRIC_NAMES: ReadonlySet<string> = new Set([
  METRIC_QUEUE_TASKS,
  METRIC_QUEUE_OLDEST_PENDING_AGE,
  METRIC_QUEUE_DRAINED,
  METRIC_QUEUE_DEADLINE_SLACK,
  METRIC_QUEUE_BATCH_TASKS,
  METRIC_QUEUE_BATCH_COST_USD,
]);

/**
 * The instruments of a durable deferral queue and its drain (`instrumentQueue` of
 * `@stormwatch/queue`). A service's policies never emit them.
 */
export const QUEUE_METRICS: readonly MetricDefinition[] = Object.freeze(METRICS.filter((m) => QUEUE_METRIC_NAMES.has(m.name)));

/** The instruments a service's instrumented policies emit (`@stormwatch/telemetry`): every metric but the probe's and the queue's. */
export const POLICY_METRICS: readonly MetricDefinition[] = Object.freeze(
  METRICS.filter((m) => !PROBE_METRIC_NAMES.has(m.name) && !QUEUE_METRIC_NAMES.has(m.name)),
);

/** The contract's definition of one instrument; throws on a name it does not hold. */
export function metricDefinition(name: string): MetricDefinition {
  const found = METRICS.find((m) => m.name === name);
  if (!found) throw new RangeError(`"${name}" is not a metric of the Stormwatch telemetry contract`);
  return found;
}

/** The Prometheus label an attribute key becomes (`error.type` → `error_type`). */
export function prometheusLabel(attributeKey: string): string {
  return attributeKey.replace(/[^a-zA-Z0-9_]/g, '_');
}
