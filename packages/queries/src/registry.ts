import type { QueryParams } from './params.js';
import * as promql from './promqlQueries.js';
import * as traceql from './traceqlQueries.js';
import * as watch from './consoleQueries.js';
import * as queue from './queueQueries.js';

export type QueryKind = 'promql' | 'traceql';

/** One query of the app, its dashboards and the pipeline's end-to-end test. */
export interface QueryDefinition {
  /** Stable id (also the refId stem of panels). */
  readonly id: string;
  readonly kind: QueryKind;
  readonly description: string;
  /** Builds the expression for the given filters; the same function the app calls. */
  readonly build: (params?: QueryParams) => string;
}

const def = (id: string, kind: QueryKind, description: string, build: (p?: QueryParams) => string): QueryDefinition =>
  Object.freeze({ id, kind, description, build });

/** Every PromQL and TraceQL query, so that tests can check each: PromQL in a real Prometheus, TraceQL with Grafana's grammar and its data in the trace store. */
export const ALL_QUERIES: readonly QueryDefinition[] = Object.freeze([
  def('callsPerSecond', 'promql', 'Logical calls per second', promql.callsPerSecond),
  def('attemptsPerSecond', 'promql', 'HTTP attempts per second', promql.attemptsPerSecond),
  def('retryAmplification', 'promql', 'Attempts per logical call', promql.retryAmplification),
  def('overloadRatio', 'promql', 'Share of attempts answered 529 overloaded', promql.overloadRatio),
  def('successRatio', 'promql', 'Share of calls that succeeded (directly or by fallback)', promql.successRatio),
  def('retryExhaustionPerMinute', 'promql', 'Calls per minute failed after retryable errors', promql.retryExhaustionPerMinute),
  def('callsByOutcome', 'promql', 'Calls per second by final outcome', promql.callsByOutcome),
  def('attemptsByError', 'promql', 'Failed attempts per second by error class', promql.attemptsByError),
  def('breakersOpen', 'promql', 'Circuit breakers not closed', promql.breakersOpen),
  def('wastedUsdPerHour', 'promql', 'Wasted USD per hour', promql.wastedUsdPerHour),
  def('wasteShare', 'promql', 'Wasted share of the cost', promql.wasteShare),
  def('costUsd', 'promql', 'USD spent, useful and wasted', promql.costUsd),
  def('wastedTokensByKind', 'promql', 'Wasted tokens per second by kind and token type', promql.wastedTokensByKind),
  def('retryWaves', 'promql', 'Retry attempts per second on a short window', promql.retryWaves),
  def('firstAttemptWaves', 'promql', 'First attempts per second on a short window', promql.firstAttemptWaves),
  def('retryDelayBuckets', 'promql', 'Distribution of waits between attempts', promql.retryDelayBuckets),
  def('retryDelayBySource', 'promql', 'Waits per second by what chose them', promql.retryDelayBySource),
  def('stormAmplification', 'promql', 'Storm input: amplification per service and model', promql.stormAmplification),
  def('stormOverloadRatio', 'promql', 'Storm input: overload ratio per service and model', promql.stormOverloadRatio),
  def('stormOverloadedPerSecond', 'promql', 'Storm input: 529s per second per service and model', promql.stormOverloadedPerSecond),
  def('stormWastedUsdPerHour', 'promql', 'Storm input: wasted USD per hour per service and model', promql.stormWastedUsdPerHour),
  def('admittedRate', 'promql', 'Rate admission lets calls through per service and model, while paced', promql.admittedRate),
  def('admissionQueueDepth', 'promql', 'Calls waiting for admission per service and model', promql.admissionQueueDepth),
  def('admissionWaitP95', 'promql', '95th percentile of the admission wait of admitted calls', promql.admissionWaitP95),
  def('admissionRefusalsByReason', 'promql', 'Calls admission refused per second by reason', promql.admissionRefusalsByReason),
  def('storeInstancesLocal', 'promql', 'Instances whose shared overload store answers locally, per service', promql.storeInstancesLocal),
  def('storeLocalAnswersByReason', 'promql', 'Store operations answered from local state per second by reason', promql.storeLocalAnswersByReason),
  def('storeErrorsByOperation', 'promql', 'Store operations that rejected per second by operation', promql.storeErrorsByOperation),
  def('breakerStateTimeline', 'promql', 'Breaker state per key (0 closed, 1 open, 2 half-open)', promql.breakerStateTimeline),
  def('breakerTransitions', 'promql', 'Breaker transitions by key, from and to', promql.breakerTransitions),
  def('fallbacks', 'promql', 'Fallbacks by from model, to model and reason', promql.fallbacks),
  def('callsWithMostAttempts', 'traceql', 'Calls that needed more than one attempt', traceql.callsWithMostAttempts),
  def('longestBackoffs', 'traceql', 'Backoff waits of the selected calls', traceql.longestBackoffs),
  def('failedAfterRetries', 'traceql', 'Calls that failed although retried', traceql.failedAfterRetries),
  def('fellBack', 'traceql', 'Calls that succeeded on a fallback model', traceql.fellBack),
  def('anyCalls', 'traceql', 'Any call of the selected services and models', traceql.anyCalls),
  def('serviceModelState', 'promql', 'State now per service and model: 0 calm, 1 storm, 2 overloaded, 3 breaker open', watch.serviceModelState),
  def('callDurationP95', 'promql', '95th percentile of the call duration (raw histogram)', watch.callDurationP95),
  def('callSpanDurationP95', 'promql', '95th percentile of the call spans’ duration (span metrics, exemplars)', watch.callSpanDurationP95),
  def('attemptsPerCallP95', 'promql', '95th percentile of attempts per call (raw histogram)', watch.attemptsPerCallP95),
  def('costUsdPerHour', 'promql', 'USD per hour at the current rate by cost kind (raw counter)', watch.costUsdPerHour),
  def('costUsdPerDay', 'promql', 'USD per day at the current rate by cost kind', watch.costUsdPerDay),
]);

/**
 * Queries the services' own telemetry does not answer on its own: the synthetic probe's and
 * the status page's series, Prometheus's ALERTS, the durable deferral queues (a service has
 * one only when it defers), and cost over periods that need Grafana's
 * `$__range_s` or a time range before the current one. The app and the dashboards use them
 * like ALL_QUERIES; the storm end-to-end test, which runs services only, checks ALL_QUERIES.
 */
export const WATCH_QUERIES: readonly QueryDefinition[] = Object.freeze([
  def('firingAlerts', 'promql', 'Stormwatch alerts firing now', watch.firingAlerts),
  def('probeSuccessRatio', 'promql', "Share of the synthetic probe's requests that succeeded, by model", watch.probeSuccessRatio),
  def('probeSinceLastSuccess', 'promql', "Seconds since the probe's last success, by model", watch.probeSinceLastSuccess),
  def('statusComponents', 'promql', "The provider's status page, state per component", () => watch.statusComponents()),
  def('statusIncidents', 'promql', "The status page's unresolved incidents and their start", () => watch.statusIncidents()),
  def('costProjectionDay', 'promql', 'Projected USD at the end of the day at the current rate', (p) => watch.costProjection('day', p)),
  def('costProjectionMonth', 'promql', 'Projected USD at the end of the month at the current rate', (p) => watch.costProjection('month', p)),
  def('costUsdPreviousPeriod', 'promql', 'USD spent over the previous period of the same length', watch.costUsdPreviousPeriod),
  def('queueTasksByState', 'promql', 'Deferred tasks still to do or given up, by queue and state', queue.queueTasksByState),
  def('queueOldestPendingAge', 'promql', 'Age of the oldest deferred task still to do, by queue', queue.queueOldestPendingAge),
  def('queueDrainedByOutcome', 'promql', 'Deferred tasks the drains settle per second, by queue and outcome', queue.queueDrainedByOutcome),
  def('queueDeadlineSlack', 'promql', "Least time left before a waiting task's deadline, by queue", queue.queueDeadlineSlack),
  def('queueBatchTasksByOutcome', 'promql', 'Deferred tasks on the Message Batches path per second, by queue and outcome', queue.queueBatchTasksByOutcome),
  def('queueBatchCostUsdPerHour', 'promql', 'USD per hour the succeeded batch requests cost at the batch price, by queue', queue.queueBatchCostUsdPerHour),
]);

/** The query with this id; throws a RangeError naming an unknown one. */
export function queryById(id: string): QueryDefinition {
  const found = ALL_QUERIES.find((q) => q.id === id) ?? WATCH_QUERIES.find((q) => q.id === id);
  if (!found) throw new RangeError(`"${id}" is not a Stormwatch query id`);
  return found;
}
