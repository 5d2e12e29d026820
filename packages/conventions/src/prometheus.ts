/**
 * Names on the Prometheus side of the pipeline: the labels resource attributes become,
 * and the recording rules of the derived figures (TELEMETRY.md, "Derived figures").
 * The rules themselves live in `deploy/prometheus/rules/`; a test there checks that
 * every name here is recorded, and the Grafana app and alerts query them by these names.
 */

/** The label `service.name` becomes through the collector's Prometheus remote write. */
export const PROM_LABEL_SERVICE = 'job';
/** The label `service.instance.id` becomes. */
export const PROM_LABEL_INSTANCE = 'instance';
/** The label the collector's remote write gives every series for its instrumentation scope name. */
export const PROM_LABEL_SCOPE_NAME = 'otel_scope_name';

/**
 * The collector's optional span metrics (`deploy/collector/spanmetrics.yaml`): the
 * span_metrics connector's duration histogram, in seconds, and call counter, by span name.
 * Their buckets carry exemplars (a trace and span id each), which the OpenTelemetry JS SDK
 * does not record on the library's own histograms: the app's latency panels read them here.
 */
export const PROM_SPAN_METRICS_DURATION = 'traces_span_metrics_duration_seconds';
export const PROM_SPAN_METRICS_CALLS = 'traces_span_metrics_calls_total';
/** The span-metrics label holding the span's name (`stormwatch.call`, ...). */
export const PROM_LABEL_SPAN_NAME = 'span_name';

/** Recording rules: `level:metric:operations`, as Prometheus's naming guide asks. */
export const RULE_CALLS_RATE = 'stormwatch:calls:rate5m';
export const RULE_ATTEMPTS_RATE = 'stormwatch:attempts:rate5m';
/** attempts / calls; 1.0 means no retries. */
export const RULE_RETRY_AMPLIFICATION = 'stormwatch:retry_amplification:ratio_rate5m';
/** attempts with `error.type="overloaded_error"` / attempts. */
export const RULE_OVERLOAD_RATIO = 'stormwatch:overload_ratio:ratio_rate5m';
/** calls that failed after retryable errors, per minute. */
export const RULE_RETRY_EXHAUSTION = 'stormwatch:retry_exhaustion:per_minute';
/** successful calls (direct or by fallback) / calls. */
export const RULE_SUCCESS_RATIO = 'stormwatch:success_ratio:ratio_rate5m';
/** wasted USD per hour. */
export const RULE_WASTED_COST_PER_HOUR = 'stormwatch:wasted_cost_usd:per_hour';
/** wasted cost / total cost. */
export const RULE_WASTE_SHARE = 'stormwatch:waste_share:ratio_rate1h';
/** 95th percentile of the time admitted calls waited in their model's admission queue, in seconds. */
export const RULE_ADMISSION_WAIT_P95 = 'stormwatch:admission_wait_seconds:p95_rate5m';
/** calls admission control refused per second, by reason. */
export const RULE_ADMISSION_REFUSALS_RATE = 'stormwatch:admission_refusals:rate5m';
/** operations the shared overload stores answered from local state per second, by reason. */
export const RULE_STORE_LOCAL_ANSWERS_RATE = 'stormwatch:store_local_answers:rate5m';
/** overload-store operations that rejected per second, by operation. */
export const RULE_STORE_ERRORS_RATE = 'stormwatch:store_errors:rate5m';
/** tasks of each durable deferral queue, by service, queue and state. */
export const RULE_QUEUE_TASKS = 'stormwatch:queue_tasks:sum';
/** age of the oldest task still to do of each queue, in seconds (the largest any process reports). */
export const RULE_QUEUE_OLDEST_PENDING_AGE = 'stormwatch:queue_oldest_pending_age_seconds:max';
/** tasks drains settled per second, by queue and outcome (done, failed, dead, released). */
export const RULE_QUEUE_DRAINED_RATE = 'stormwatch:queue_drained:rate5m';
/** least time left before a waiting task's deadline, per queue, in seconds (negative once passed). */
export const RULE_QUEUE_DEADLINE_SLACK = 'stormwatch:queue_deadline_slack_seconds:min';
/** tasks on the Message Batches path per second, by queue and batch outcome (submitted, done, retried, released, dead, handler_failed). */
export const RULE_QUEUE_BATCH_TASKS_RATE = 'stormwatch:queue_batch_tasks:rate5m';
/** what the succeeded batch requests cost per hour at the batch price, by queue. */
export const RULE_QUEUE_BATCH_COST_PER_HOUR = 'stormwatch:queue_batch_cost_usd:per_hour';

export const RECORDING_RULES: readonly string[] = Object.freeze([
  RULE_CALLS_RATE,
  RULE_ATTEMPTS_RATE,
  RULE_RETRY_AMPLIFICATION,
  RULE_OVERLOAD_RATIO,
  RULE_RETRY_EXHAUSTION,
  RULE_SUCCESS_RATIO,
  RULE_WASTED_COST_PER_HOUR,
  RULE_WASTE_SHARE,
  RULE_ADMISSION_WAIT_P95,
  RULE_ADMISSION_REFUSALS_RATE,
  RULE_STORE_LOCAL_ANSWERS_RATE,
  RULE_STORE_ERRORS_RATE,
  RULE_QUEUE_TASKS,
  RULE_QUEUE_OLDEST_PENDING_AGE,
  RULE_QUEUE_DRAINED_RATE,
  RULE_QUEUE_DEADLINE_SLACK,
  RULE_QUEUE_BATCH_TASKS_RATE,
  RULE_QUEUE_BATCH_COST_PER_HOUR,
]);

/** Alerts shipped with runbooks in `docs/runbooks/<name>.md`. */
export const ALERT_RETRY_EXHAUSTION = 'StormwatchRetryExhaustion';
export const ALERT_RETRY_STORM = 'StormwatchRetryStorm';
export const ALERT_OVERLOAD_RATIO = 'StormwatchOverloadRatioHigh';
export const ALERT_BREAKER_OPEN = 'StormwatchBreakerOpen';
export const ALERT_PROBE_FAILING = 'StormwatchProbeFailing';
/** Calls pile up in a model's admission queue: its depth grew for 5 minutes. */
export const ALERT_ADMISSION_QUEUE_GROWING = 'StormwatchAdmissionQueueGrowing';
/** A process's shared overload store answers from local state (Redis unusable) for 5 minutes. */
export const ALERT_STORE_NOT_SHARING = 'StormwatchStoreNotSharing';
/**
 * Services see at least 20 % overload (529) for 5 minutes while every component of the
 * watched status page says operational and no incident is posted (an unknown page does not fire).
 */
export const ALERT_OVERLOAD_UNACKNOWLEDGED = 'StormwatchOverloadUnacknowledged';
/**
 * The provider's status page posts an incident or shows a component degraded or down, for 3
 * minutes (an unknown page does not fire). The source of the Alertmanager inhibition of the
 * per-service storm and overload warnings it explains.
 */
export const ALERT_PROVIDER_INCIDENT = 'StormwatchProviderIncident';
/**
 * Deferred work is going stale: a task of a durable deferral queue has waited past its
 * deadline for 5 minutes (no drain runs, or drains cannot keep up).
 */
export const ALERT_DEFERRED_WORK_STALE = 'StormwatchDeferredWorkStale';

/**
 * The `stormwatch.policy` value of the synthetic probe: a Stormwatch client that sends a
 * small request at a steady pace under this policy name (`stormwatch-probe` of
 * `@stormwatch/probe`). `StormwatchProbeFailing` fires when its
 * `stormwatch_probe_since_last_success_seconds` passes 5 minutes, or when it stops reporting.
 */
export const PROBE_POLICY = 'probe';

export const ALERTS: readonly string[] = Object.freeze([
  ALERT_RETRY_EXHAUSTION,
  ALERT_RETRY_STORM,
  ALERT_OVERLOAD_RATIO,
  ALERT_BREAKER_OPEN,
  ALERT_PROBE_FAILING,
  ALERT_ADMISSION_QUEUE_GROWING,
  ALERT_STORE_NOT_SHARING,
  ALERT_OVERLOAD_UNACKNOWLEDGED,
  ALERT_PROVIDER_INCIDENT,
  ALERT_DEFERRED_WORK_STALE,
]);

/**
 * Error classes that count as "retryable": a failed call whose final `error.type` is one
 * of these failed after retries were possible, so it counts toward retry exhaustion.
 */
export const RETRYABLE_ERROR_TYPES: readonly string[] = Object.freeze([
  'overloaded_error',
  'rate_limit_error',
  'connection_error',
  'api_error',
  'timeout_error',
  'circuit_open',
  'budget_exhausted',
  'deadline_exceeded',
  'queue_full',
]);
