import {
  ALERTS,
  ATTR_PROBE_OUTCOME,
  ATTR_STATUS_COMPONENT,
  ATTR_STATUS_INCIDENT_IMPACT,
  ATTR_STATUS_INCIDENT_NAME,
  ATTR_STATUS_PAGE,
  METRIC_BREAKER_STATE,
  METRIC_CALL_ATTEMPTS,
  METRIC_CALL_DURATION,
  METRIC_COST_USD,
  METRIC_PROBE_REQUESTS,
  METRIC_PROBE_SINCE_LAST_SUCCESS,
  METRIC_STATUS_COMPONENT,
  METRIC_STATUS_INCIDENT_STARTED,
  PROBE_POLICY,
  PROM_LABEL_SPAN_NAME,
  PROM_SPAN_METRICS_DURATION,
  ProbeOutcome,
  RULE_CALLS_RATE,
  RULE_OVERLOAD_RATIO,
  RULE_RETRY_AMPLIFICATION,
  SPAN_CALL,
  prometheusLabel,
} from '@stormwatch/conventions';
import { ALERT_THRESHOLDS } from './alertThresholds.js';
import { escapeRegex } from './escape.js';
import { LABEL, promMetric } from './labels.js';
import { checkLabels, checkRange, type QueryParams } from './params.js';
import { selector, sumBy, type Matcher } from './promql.js';

/**
 * The on-call console's queries: the verdict per service and model, the firing alerts, the
 * probe's and the status page's view, latency and attempts from the raw histograms, the
 * call spans' latency from the collector's span metrics (the series that carry exemplars),
 * and cost rates and projections.
 */

/** The verdict of {@link serviceModelState}, worst last; the value is the series' sample. */
export const SERVICE_STATE = Object.freeze({ CALM: 0, STORM: 1, OVERLOADED: 2, BREAKER_OPEN: 3 } as const);
export type ServiceState = (typeof SERVICE_STATE)[keyof typeof SERVICE_STATE];

/** Labels of the status page's series. */
export const STATUS_LABEL = Object.freeze({
  PAGE: prometheusLabel(ATTR_STATUS_PAGE),
  COMPONENT: prometheusLabel(ATTR_STATUS_COMPONENT),
  INCIDENT_NAME: prometheusLabel(ATTR_STATUS_INCIDENT_NAME),
  INCIDENT_IMPACT: prometheusLabel(ATTR_STATUS_INCIDENT_IMPACT),
});

const SERVICE_MODEL = [LABEL.SERVICE, LABEL.MODEL] as const;
const POLICY_LABEL = LABEL.POLICY;
const PROBE_OUTCOME = prometheusLabel(ATTR_PROBE_OUTCOME);

function byOf(p: QueryParams): readonly string[] {
  return checkLabels(p.by ?? SERVICE_MODEL);
}

/**
 * One series per service and model with its state now, from the alerts' own thresholds
 * (ALERT_THRESHOLDS): 3 a circuit breaker of the model is not closed, else 2 more than the
 * overload alert's share of attempts answered 529, else 1 retry amplification above the
 * retry-storm alert's, else 0 calm. The breaker key is the model. Worst policy wins.
 */
export function serviceModelState(p: QueryParams = {}): string {
  const t = ALERT_THRESHOLDS;
  const group = (expr: string): string => `group by (${LABEL.SERVICE}, ${LABEL.MODEL}) (${expr})`;
  const breakers = selector(promMetric(METRIC_BREAKER_STATE), [
    [LABEL.SERVICE, p.service],
    [LABEL.BREAKER_KEY, p.model],
  ]);
  const breakerAsModel = `label_replace(max by (${LABEL.SERVICE}, ${LABEL.BREAKER_KEY}) (${breakers}) >= ${t.breakerNotClosed}, "${LABEL.MODEL}", "$1", "${LABEL.BREAKER_KEY}", "(.*)")`;
  const matches = [
    [LABEL.SERVICE, p.service],
    [LABEL.MODEL, p.model],
  ] as const;
  const worst = (rule: string): string => `max by (${LABEL.SERVICE}, ${LABEL.MODEL}) (${selector(rule, matches)})`;
  return [
    `${SERVICE_STATE.BREAKER_OPEN} * ${group(breakerAsModel)}`,
    `${SERVICE_STATE.OVERLOADED} * ${group(`${worst(RULE_OVERLOAD_RATIO)} > ${t.overloadRatio}`)}`,
    `${SERVICE_STATE.STORM} * ${group(`${worst(RULE_RETRY_AMPLIFICATION)} > ${t.retryAmplification}`)}`,
    `${SERVICE_STATE.CALM} * ${group(selector(RULE_CALLS_RATE, matches))}`,
  ].join(' or ');
}

/**
 * The Stormwatch alerts firing now (`ALERTS`, the names of ALERTS in the conventions), for the
 * selected services — and, whatever is selected, those of no service (`StormwatchProviderIncident`
 * is the status page's, not a service's: it explains every service's storm).
 */
export function firingAlerts(p: QueryParams = {}): string {
  const stormwatchFiring = [
    { label: 'alertname', op: '=~', value: ALERTS.map(escapeRegex).join('|') },
    { label: 'alertstate', op: '=', value: 'firing' },
  ] as const;
  const selected = selector('ALERTS', [[LABEL.SERVICE, p.service]], stormwatchFiring);
  if (p.service === undefined) return selected;
  return `${selected} or ${selector('ALERTS', [], [{ label: LABEL.SERVICE, op: '=', value: '' }, ...stormwatchFiring])}`;
}

/**
 * Share (0..1) of the synthetic probe's requests that succeeded over `range` (default
 * `5m`), by model. Model filter only: the probe is its own service, not one of the selected.
 */
export function probeSuccessRatio(p: QueryParams = {}): string {
  const range = checkRange(p.range ?? '5m');
  const requests = (extra: boolean): string =>
    sumBy(
      [LABEL.MODEL],
      `rate(${selector(promMetric(METRIC_PROBE_REQUESTS), [[LABEL.MODEL, p.model]], [
        { label: POLICY_LABEL, op: '=', value: PROBE_POLICY },
        ...(extra ? [{ label: PROBE_OUTCOME, op: '=' as const, value: ProbeOutcome.SUCCESS }] : []),
      ])}[${range}])`,
    );
  return `(${requests(true)} or 0 * ${requests(false)}) / ${requests(false)}`;
}

/** Seconds since the probe's last success, by model (worst probe instance). Model filter only. */
export function probeSinceLastSuccess(p: QueryParams = {}): string {
  return sumBy(
    [LABEL.MODEL],
    selector(promMetric(METRIC_PROBE_SINCE_LAST_SUCCESS), [[LABEL.MODEL, p.model]], [
      { label: POLICY_LABEL, op: '=', value: PROBE_POLICY },
    ]),
    'max',
  );
}

/** The status page's state per component: -1 unknown, 0 operational … 4 major outage (COMPONENT_STATUS_GAUGE_VALUE). */
export function statusComponents(): string {
  return sumBy([STATUS_LABEL.PAGE, STATUS_LABEL.COMPONENT], promMetric(METRIC_STATUS_COMPONENT), 'max');
}

/** The status page's unresolved incidents: one series each, its start in epoch milliseconds. */
export function statusIncidents(): string {
  return `${sumBy(
    [STATUS_LABEL.PAGE, STATUS_LABEL.INCIDENT_NAME, STATUS_LABEL.INCIDENT_IMPACT],
    promMetric(METRIC_STATUS_INCIDENT_STARTED),
    'max',
  )} * 1000`;
}

function quantileOf(buckets: string, q: number, p: QueryParams, extra: readonly Matcher[] = []): string {
  const range = checkRange(p.range ?? '5m');
  const rates = sumBy(
    [...byOf(p), LABEL.LE],
    `rate(${selector(
      buckets,
      [
        [LABEL.SERVICE, p.service],
        [LABEL.MODEL, p.model],
      ],
      extra,
    )}[${range}])`,
  );
  return `histogram_quantile(${q}, ${rates})`;
}

/** 95th percentile of the logical call's duration (backoff included), in seconds, from the library's own histogram. */
export function callDurationP95(p: QueryParams = {}): string {
  return quantileOf(promMetric(METRIC_CALL_DURATION, '_bucket'), 0.95, p);
}

/**
 * The same percentile from the collector's span metrics of the `stormwatch.call` spans
 * (the optional `deploy/collector/spanmetrics.yaml`), in seconds. Its buckets carry
 * exemplars, a call span's trace and span id each, which the library's own histograms do
 * not (the OpenTelemetry JS SDK records none): asked with `exemplar: true`, it puts on a
 * latency graph the points that open a call's trace. Without the overlay it has no series.
 */
export function callSpanDurationP95(p: QueryParams = {}): string {
  return quantileOf(`${PROM_SPAN_METRICS_DURATION}_bucket`, 0.95, p, [
    { label: PROM_LABEL_SPAN_NAME, op: '=', value: SPAN_CALL },
  ]);
}

/** 95th percentile of attempts per call, from the library's own histogram. */
export function attemptsPerCallP95(p: QueryParams = {}): string {
  return quantileOf(promMetric(METRIC_CALL_ATTEMPTS, '_bucket'), 0.95, p);
}

/** The raw cost counter, per second over `range` (default `5m`). */
function costRate(p: QueryParams, by: readonly string[]): string {
  const range = checkRange(p.range ?? '5m');
  return sumBy(
    by,
    `rate(${selector(promMetric(METRIC_COST_USD), [
      [LABEL.SERVICE, p.service],
      [LABEL.MODEL, p.model],
    ])}[${range}])`,
  );
}

/** USD per hour at the current (5 m) rate, by the grouping (default none) and the cost kind (useful, wasted). */
export function costUsdPerHour(p: QueryParams = {}): string {
  return `${costRate(p, [...checkLabels(p.by ?? []), LABEL.COST_KIND])} * 3600`;
}

/** USD per day at the current (5 m) rate, by the grouping (default none) and the cost kind. */
export function costUsdPerDay(p: QueryParams = {}): string {
  return `${costRate(p, [...checkLabels(p.by ?? []), LABEL.COST_KIND])} * 86400`;
}

/** What a projection runs to. */
export type ProjectionPeriod = 'day' | 'month';

/**
 * Projected USD (all kinds) at the end of the day or month: what was spent since the
 * period began (the panel's time range must start then: `now/d` or `now/M`, read from
 * `$__range`) plus the current (5 m) rate times the seconds left (`$__range_s` elapsed; a
 * month as long as the current UTC month, `days_in_month()`).
 * @throws RangeError for a period other than day or month.
 */
export function costProjection(period: ProjectionPeriod, p: QueryParams = {}): string {
  const length = period === 'day' ? '86400' : period === 'month' ? '(days_in_month() * 86400)' : undefined;
  if (length === undefined) throw new RangeError(`projection period "${String(period)}" is neither day nor month`);
  const series = selector(promMetric(METRIC_COST_USD), [
    [LABEL.SERVICE, p.service],
    [LABEL.MODEL, p.model],
  ]);
  return `sum(increase(${series}[$__range])) + sum(rate(${series}[5m])) * (${length} - $__range_s)`;
}

/**
 * USD spent over the previous period of the same length (`$__range` ending where the
 * time range starts), by the grouping (default none) and the cost kind.
 */
export function costUsdPreviousPeriod(p: QueryParams = {}): string {
  const series = selector(promMetric(METRIC_COST_USD), [
    [LABEL.SERVICE, p.service],
    [LABEL.MODEL, p.model],
  ]);
  return sumBy([...checkLabels(p.by ?? []), LABEL.COST_KIND], `increase(${series}[$__range] offset $__range)`);
}
