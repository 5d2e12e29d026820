/**
 * @stormwatch/queries: every PromQL and TraceQL expression of the Grafana app, its
 * bundled dashboards and the pipeline's end-to-end test, as plain functions of the
 * service and model filters; and storm detection over their results.
 */
export { escapeString, escapeRegex } from './escape.js';
export { LABEL, promMetric } from './labels.js';
export { checkRange, checkLabels, matcherRhs } from './params.js';
export type { LabelMatch, QueryParams } from './params.js';
export { selector, sumBy, ratio } from './promql.js';
export type { Matcher } from './promql.js';
export {
  STORM_KEY_LABELS,
  callsPerSecond,
  attemptsPerSecond,
  retryAmplification,
  overloadRatio,
  successRatio,
  retryExhaustionPerMinute,
  callsByOutcome,
  attemptsByError,
  breakersOpen,
  wastedUsdPerHour,
  wasteShare,
  costUsd,
  wastedTokensByKind,
  retryWaves,
  firstAttemptWaves,
  retryDelayBuckets,
  retryDelayBySource,
  stormAmplification,
  stormOverloadRatio,
  stormOverloadedPerSecond,
  stormWastedUsdPerHour,
  admittedRate,
  admissionQueueDepth,
  admissionWaitP95,
  admissionRefusalsByReason,
  storeInstancesLocal,
  storeLocalAnswersByReason,
  storeErrorsByOperation,
  breakerStateTimeline,
  breakerTransitions,
  fallbacks,
  serviceValuesSeries,
  modelValuesSeries,
} from './promqlQueries.js';
export { callsWithMostAttempts, longestBackoffs, failedAfterRetries, fellBack, anyCalls } from './traceqlQueries.js';
export {
  SERVICE_STATE,
  STATUS_LABEL,
  serviceModelState,
  firingAlerts,
  probeSuccessRatio,
  probeSinceLastSuccess,
  statusComponents,
  statusIncidents,
  callDurationP95,
  callSpanDurationP95,
  attemptsPerCallP95,
  costUsdPerHour,
  costUsdPerDay,
  costProjection,
  costUsdPreviousPeriod,
} from './consoleQueries.js';
export type { ServiceState, ProjectionPeriod } from './consoleQueries.js';
export {
  queueBatchCostUsdPerHour,
  queueBatchTasksByOutcome,
  queueDeadlineSlack,
  queueDrainedByOutcome,
  queueOldestPendingAge,
  queueTasksByState,
} from './queueQueries.js';
export { ALL_QUERIES, WATCH_QUERIES, queryById } from './registry.js';
export { ALERT_THRESHOLDS } from './alertThresholds.js';
export type { AlertThresholds } from './alertThresholds.js';
export type { QueryDefinition, QueryKind } from './registry.js';
export { DEFAULT_STORM_THRESHOLDS, detectStorms } from './stormDetection.js';
export type { Series, Storm, StormInputs, StormKeyLabels, StormThresholds } from './stormDetection.js';
