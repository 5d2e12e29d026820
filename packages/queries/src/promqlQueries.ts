import {
  CallOutcome,
  CostKind,
  ErrorType,
  METRIC_ADMISSION_QUEUE_DEPTH,
  METRIC_ADMISSION_RATE,
  METRIC_ATTEMPTS,
  METRIC_BREAKER_STATE,
  METRIC_BREAKER_TRANSITIONS,
  METRIC_COST_USD,
  METRIC_FALLBACKS,
  METRIC_RETRY_DELAY,
  METRIC_STORE_SHARING,
  METRIC_TOKENS_WASTED,
  RULE_ADMISSION_REFUSALS_RATE,
  RULE_ADMISSION_WAIT_P95,
  RULE_ATTEMPTS_RATE,
  RULE_CALLS_RATE,
  RULE_OVERLOAD_RATIO,
  RULE_RETRY_AMPLIFICATION,
  RULE_RETRY_EXHAUSTION,
  RULE_STORE_ERRORS_RATE,
  RULE_STORE_LOCAL_ANSWERS_RATE,
  RULE_WASTED_COST_PER_HOUR,
  STORE_SHARING_GAUGE_VALUE,
} from '@stormwatch/conventions';
import { escapeRegex } from './escape.js';
import { LABEL, promMetric } from './labels.js';
import { checkLabels, checkRange, type LabelMatch, type QueryParams } from './params.js';
import { ratio, selector, sumBy, type Matcher } from './promql.js';

/** The labels a storm is detected per: service and model. */
export const STORM_KEY_LABELS: readonly string[] = Object.freeze([LABEL.SERVICE, LABEL.MODEL]);
const DEFAULT_BY = STORM_KEY_LABELS;

const ATTEMPT_IS_RETRY = 'true';
const ATTEMPT_IS_FIRST = 'false';

function byOf(p: QueryParams): readonly string[] {
  return checkLabels(p.by ?? DEFAULT_BY);
}
function rangeOf(p: QueryParams, fallback: string): string {
  return checkRange(p.range ?? fallback);
}
function serviceModel(p: QueryParams): ReadonlyArray<readonly [string, LabelMatch | undefined]> {
  return [
    [LABEL.SERVICE, p.service],
    [LABEL.MODEL, p.model],
  ];
}
function serviceOnly(p: QueryParams): ReadonlyArray<readonly [string, LabelMatch | undefined]> {
  return [[LABEL.SERVICE, p.service]];
}
const overloaded: Matcher = { label: LABEL.ERROR_TYPE, op: '=', value: ErrorType.OVERLOADED };
const succeeded: Matcher = {
  label: LABEL.CALL_OUTCOME,
  op: '=~',
  value: [CallOutcome.SUCCESS, CallOutcome.FALLBACK_SUCCESS].map(escapeRegex).join('|'),
};
const wasted: Matcher = { label: LABEL.COST_KIND, op: '=', value: CostKind.WASTED };

/** Logical calls per second (5 m rate, recording rule), by service and model. */
export function callsPerSecond(p: QueryParams = {}): string {
  return sumBy(byOf(p), selector(RULE_CALLS_RATE, serviceModel(p)));
}

/** HTTP attempts per second (5 m rate, recording rule), by service and model. */
export function attemptsPerSecond(p: QueryParams = {}): string {
  return sumBy(byOf(p), selector(RULE_ATTEMPTS_RATE, serviceModel(p)));
}

/** Retry amplification: attempts per logical call (1.0 means no retries), as a ratio of sums. */
export function retryAmplification(p: QueryParams = {}): string {
  const by = byOf(p);
  return `${sumBy(by, selector(RULE_ATTEMPTS_RATE, serviceModel(p)))} / ${sumBy(by, selector(RULE_CALLS_RATE, serviceModel(p)))}`;
}

/** Overload ratio: share (0..1) of attempts answered with `overloaded_error` (HTTP 529). */
export function overloadRatio(p: QueryParams = {}): string {
  const by = byOf(p);
  return ratio(
    sumBy(by, selector(RULE_ATTEMPTS_RATE, serviceModel(p), [overloaded])),
    sumBy(by, selector(RULE_ATTEMPTS_RATE, serviceModel(p))),
  );
}

/** Success ratio: share (0..1) of calls that succeeded, directly or by a fallback model. */
export function successRatio(p: QueryParams = {}): string {
  const by = byOf(p);
  return ratio(
    sumBy(by, selector(RULE_CALLS_RATE, serviceModel(p), [succeeded])),
    sumBy(by, selector(RULE_CALLS_RATE, serviceModel(p))),
  );
}

/** Calls per minute that failed after retryable errors (recording rule). */
export function retryExhaustionPerMinute(p: QueryParams = {}): string {
  return sumBy(byOf(p), selector(RULE_RETRY_EXHAUSTION, serviceModel(p)));
}

/** Calls per second by final outcome. */
export function callsByOutcome(p: QueryParams = {}): string {
  return sumBy([...byOf(p), LABEL.CALL_OUTCOME], selector(RULE_CALLS_RATE, serviceModel(p)));
}

/** Failed attempts per second by error class. */
export function attemptsByError(p: QueryParams = {}): string {
  return sumBy(
    [...byOf(p), LABEL.ERROR_TYPE],
    selector(RULE_ATTEMPTS_RATE, serviceModel(p), [{ label: LABEL.ERROR_TYPE, op: '!=', value: '' }]),
  );
}

/** Number of circuit breakers not closed (open or half-open) right now; 0 when none. Service filter only. */
export function breakersOpen(p: QueryParams = {}): string {
  const state = selector(promMetric(METRIC_BREAKER_STATE), serviceOnly(p));
  return `count(max by (${LABEL.SERVICE}, ${LABEL.BREAKER_KEY}) (${state}) >= 1) or vector(0)`;
}

/** Wasted USD per hour at the current (5 m) burn rate (recording rule). */
export function wastedUsdPerHour(p: QueryParams = {}): string {
  return sumBy(byOf(p), selector(RULE_WASTED_COST_PER_HOUR, serviceModel(p)));
}

/** Waste share (0..1): wasted / total cost over `range` (default `1h`). */
export function wasteShare(p: QueryParams = {}): string {
  const by = byOf(p);
  const range = rangeOf(p, '1h');
  const cost = (extra: readonly Matcher[]): string =>
    sumBy(by, `increase(${selector(promMetric(METRIC_COST_USD), serviceModel(p), extra)}[${range}])`);
  return ratio(cost([wasted]), cost([]));
}

/** USD spent over `range` (default `1h`), useful and wasted, by the grouping and the cost kind. */
export function costUsd(p: QueryParams = {}): string {
  const range = rangeOf(p, '1h');
  return sumBy(
    [...byOf(p), LABEL.COST_KIND],
    `increase(${selector(promMetric(METRIC_COST_USD), serviceModel(p))}[${range}])`,
  );
}

/**
 * Wasted tokens per second by waste kind (resent, billed) and token type, over `range`
 * (default `5m`). Unlike the other builders, the default grouping is none: `by` (service,
 * model, policy) splits the kinds further.
 */
export function wastedTokensByKind(p: QueryParams = {}): string {
  const range = rangeOf(p, '5m');
  return sumBy(
    [...checkLabels(p.by ?? []), LABEL.WASTE_KIND, LABEL.TOKEN_TYPE],
    `rate(${selector(promMetric(METRIC_TOKENS_WASTED), serviceModel(p))}[${range}])`,
  );
}

/**
 * Retry waves: retry attempts per second on a short window (`range`, default `30s`), so
 * that synchronized retries show as regular spikes and jittered ones as a smooth band.
 */
export function retryWaves(p: QueryParams = {}): string {
  const range = rangeOf(p, '30s');
  return sumBy(
    byOf(p),
    `rate(${selector(promMetric(METRIC_ATTEMPTS), serviceModel(p), [{ label: LABEL.ATTEMPT_RETRY, op: '=', value: ATTEMPT_IS_RETRY }])}[${range}])`,
  );
}

/** First attempts per second on the same short window as {@link retryWaves}, for comparison. */
export function firstAttemptWaves(p: QueryParams = {}): string {
  const range = rangeOf(p, '30s');
  return sumBy(
    byOf(p),
    `rate(${selector(promMetric(METRIC_ATTEMPTS), serviceModel(p), [{ label: LABEL.ATTEMPT_RETRY, op: '=', value: ATTEMPT_IS_FIRST }])}[${range}])`,
  );
}

/** Distribution of the waits between attempts (histogram buckets by `le`), over `range` (default `5m`). */
export function retryDelayBuckets(p: QueryParams = {}): string {
  const range = rangeOf(p, '5m');
  return sumBy([LABEL.LE], `rate(${selector(promMetric(METRIC_RETRY_DELAY, '_bucket'), serviceModel(p))}[${range}])`);
}

/** Waits between attempts per second by what chose them (retry-after, backoff). */
export function retryDelayBySource(p: QueryParams = {}): string {
  const range = rangeOf(p, '5m');
  return sumBy([LABEL.DELAY_SOURCE], `rate(${selector(promMetric(METRIC_RETRY_DELAY, '_count'), serviceModel(p))}[${range}])`);
}

/** Storm-detection input: retry amplification per service and model (worst policy). */
export function stormAmplification(p: QueryParams = {}): string {
  return sumBy(STORM_KEY_LABELS, selector(RULE_RETRY_AMPLIFICATION, serviceModel(p)), 'max');
}

/** Storm-detection input: overload ratio per service and model (worst policy). */
export function stormOverloadRatio(p: QueryParams = {}): string {
  return sumBy(STORM_KEY_LABELS, selector(RULE_OVERLOAD_RATIO, serviceModel(p)), 'max');
}

/** Storm-detection input: overloaded (529) attempts per second, per service and model. */
export function stormOverloadedPerSecond(p: QueryParams = {}): string {
  return sumBy(STORM_KEY_LABELS, selector(RULE_ATTEMPTS_RATE, serviceModel(p), [overloaded]));
}

/** Storm-detection input: wasted USD per hour, per service and model. */
export function stormWastedUsdPerHour(p: QueryParams = {}): string {
  return sumBy(STORM_KEY_LABELS, selector(RULE_WASTED_COST_PER_HOUR, serviceModel(p)));
}

/**
 * The rate admission control lets calls of a model through, in requests per second, summed
 * over the service's instances and policies. A model has a series only while it is paced
 * (after 529s); set it against the 529s of {@link stormOverloadedPerSecond}.
 */
export function admittedRate(p: QueryParams = {}): string {
  return sumBy(byOf(p), selector(promMetric(METRIC_ADMISSION_RATE), serviceModel(p)));
}

/** Calls waiting in a model's admission queue, summed over the service's instances and policies. */
export function admissionQueueDepth(p: QueryParams = {}): string {
  return sumBy(byOf(p), selector(promMetric(METRIC_ADMISSION_QUEUE_DEPTH), serviceModel(p)));
}

/** 95th percentile of the admission wait of admitted calls, in seconds (recording rule), worst policy. */
export function admissionWaitP95(p: QueryParams = {}): string {
  return sumBy(byOf(p), selector(RULE_ADMISSION_WAIT_P95, serviceModel(p)), 'max');
}

/** Calls admission control refused per second (recording rule), by the grouping and the reason. */
export function admissionRefusalsByReason(p: QueryParams = {}): string {
  return sumBy([...byOf(p), LABEL.REFUSAL_REASON], selector(RULE_ADMISSION_REFUSALS_RATE, serviceModel(p)));
}

/**
 * Instances of each service whose shared overload store answers from local state (Redis
 * unusable), 0 when every store shares; services without a shared store have no series.
 * Service filter only (the store belongs to the process: its series carry no model).
 */
export function storeInstancesLocal(p: QueryParams = {}): string {
  const sharing = sumBy([LABEL.SERVICE, LABEL.INSTANCE], selector(promMetric(METRIC_STORE_SHARING), serviceOnly(p)), 'min');
  return sumBy([LABEL.SERVICE], `${STORE_SHARING_GAUGE_VALUE.SHARING} - ${sharing}`);
}

/** Store operations answered from local state per second (recording rule), by service and reason. Service filter only. */
export function storeLocalAnswersByReason(p: QueryParams = {}): string {
  return sumBy([LABEL.SERVICE, LABEL.STORE_REASON], selector(RULE_STORE_LOCAL_ANSWERS_RATE, serviceOnly(p)));
}

/** Store operations that rejected per second (recording rule: a closed or broken store), by the grouping and the operation. */
export function storeErrorsByOperation(p: QueryParams = {}): string {
  return sumBy([...byOf(p), LABEL.STORE_OPERATION], selector(RULE_STORE_ERRORS_RATE, serviceModel(p)));
}

/** Breaker state per service and key over time: 0 closed, 1 open, 2 half-open. Service filter only. */
export function breakerStateTimeline(p: QueryParams = {}): string {
  return sumBy(
    [LABEL.SERVICE, LABEL.BREAKER_KEY],
    selector(promMetric(METRIC_BREAKER_STATE), serviceOnly(p)),
    'max',
  );
}

/** Breaker transitions over `range` (default `1h`) by service, key, from and to state. */
export function breakerTransitions(p: QueryParams = {}): string {
  const range = rangeOf(p, '1h');
  return sumBy(
    [LABEL.SERVICE, LABEL.BREAKER_KEY, LABEL.BREAKER_FROM, LABEL.BREAKER_TO],
    `increase(${selector(promMetric(METRIC_BREAKER_TRANSITIONS), serviceOnly(p))}[${range}])`,
  );
}

/**
 * Fallbacks over `range` (default `1h`) by service, from model, to model and reason; the
 * model filter applies to the model the call fell back from.
 */
export function fallbacks(p: QueryParams = {}): string {
  const range = rangeOf(p, '1h');
  return sumBy(
    [LABEL.SERVICE, LABEL.FALLBACK_FROM, LABEL.FALLBACK_TO, LABEL.FALLBACK_REASON],
    `increase(${selector(promMetric(METRIC_FALLBACKS), [
      [LABEL.SERVICE, p.service],
      [LABEL.FALLBACK_FROM, p.model],
    ])}[${range}])`,
  );
}

/** The series the service variable lists values from (`label_values(<this>, job)`). */
export function serviceValuesSeries(): string {
  return RULE_CALLS_RATE;
}

/** The series the model variable lists values from, for the selected services. */
export function modelValuesSeries(p: QueryParams = {}): string {
  return selector(RULE_CALLS_RATE, serviceOnly(p));
}
