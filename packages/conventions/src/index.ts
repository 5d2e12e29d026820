/**
 * @stormwatch/conventions: the one source of truth for Stormwatch telemetry names.
 * Zero dependencies; imported by the library, the Grafana app, the pipeline's rules
 * checks and the tests. The contract is described in docs/TELEMETRY.md. Also the input-token
 * rule and the message-content shape, which the adapter and the telemetry must share.
 */
export * from './attributes.js';
export {
  SPAN_CALL,
  SPAN_BACKOFF,
  attemptSpanName,
  EVENT_BREAKER_TRANSITION,
  EVENT_FALLBACK,
  EVENT_BUDGET_EXHAUSTED,
  EVENT_ABANDON,
  EVENT_LIMITER_WAIT,
  EVENT_ADMISSION_WAIT,
} from './spans.js';
export {
  GEN_AI_OPERATION_CHAT,
  GEN_AI_PROVIDER_ANTHROPIC,
  CallOutcome,
  AttemptOutcome,
  ErrorType,
  DelaySource,
  BreakerState,
  BREAKER_STATE_GAUGE_VALUE,
  AbandonDecision,
  FallbackReason,
  TokenType,
  WasteKind,
  CostKind,
  RatelimitKind,
  AdmissionOutcome,
  AdmissionRefusalReason,
  StoreReason,
  StoreOperation,
  STORE_SHARING_GAUGE_VALUE,
  ProbeOutcome,
  ComponentStatus,
  COMPONENT_STATUS_GAUGE_VALUE,
  IncidentImpact,
  STATUS_INDICATOR_GAUGE_VALUE,
  StatusPollOutcome,
  QueueTaskState,
  QueueDrainOutcome,
  QueueDeadReason,
} from './values.js';
export {
  METRIC_CALLS,
  METRIC_ATTEMPTS,
  METRIC_CALL_DURATION,
  METRIC_CALL_ATTEMPTS,
  METRIC_RETRY_DELAY,
  METRIC_BUDGET_REJECTIONS,
  METRIC_BREAKER_TRANSITIONS,
  METRIC_BREAKER_STATE,
  METRIC_FALLBACKS,
  METRIC_TOKENS_WASTED,
  METRIC_COST_USD,
  METRIC_RATELIMIT_REMAINING,
  METRIC_LIMITER_RATE,
  METRIC_ADMISSION_WAIT,
  METRIC_ADMISSION_REFUSALS,
  METRIC_ADMISSION_QUEUE_DEPTH,
  METRIC_ADMISSION_RATE,
  METRIC_STORE_SHARING,
  METRIC_STORE_LOCAL_ANSWERS,
  METRIC_STORE_ERRORS,
  METRIC_PROBE_REQUESTS,
  METRIC_PROBE_DURATION,
  METRIC_PROBE_SINCE_LAST_SUCCESS,
  METRIC_STATUS_COMPONENT,
  METRIC_STATUS_INDICATOR,
  METRIC_STATUS_INCIDENT_STARTED,
  METRIC_STATUS_POLLS,
  METRIC_QUEUE_TASKS,
  METRIC_QUEUE_OLDEST_PENDING_AGE,
  METRIC_QUEUE_DRAINED,
  METRIC_GEN_AI_OPERATION_DURATION,
  METRIC_GEN_AI_TOKEN_USAGE,
  CALL_ATTEMPTS_BUCKETS,
  GEN_AI_DURATION_BUCKETS,
  GEN_AI_TOKEN_BUCKETS,
  SECONDS_BUCKETS,
  METRICS,
  POLICY_METRICS,
  PROBE_METRICS,
  QUEUE_METRICS,
  metricDefinition,
  prometheusLabel,
} from './metrics.js';
export type { InstrumentKind, MetricDefinition } from './metrics.js';
export { OTHER_MODEL, KNOWN_MODEL_FAMILIES, createModelAllowList } from './models.js';
export type { ModelAllowList } from './models.js';
export * from './prometheus.js';
export { promptTokens } from './tokens.js';
export type { MessageContent } from './content.js';
