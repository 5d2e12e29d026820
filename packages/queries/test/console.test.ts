import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parser as promParser } from '@prometheus-io/lezer-promql';
import {
  ALERT_BREAKER_OPEN,
  ALERT_OVERLOAD_RATIO,
  ALERT_OVERLOAD_UNACKNOWLEDGED,
  ALERT_PROBE_FAILING,
  ALERT_RETRY_EXHAUSTION,
  ALERT_RETRY_STORM,
  ALERTS,
  METRICS,
  RECORDING_RULES,
  RULE_OVERLOAD_RATIO,
  RULE_RETRY_AMPLIFICATION,
  RULE_RETRY_EXHAUSTION,
  metricDefinition,
  METRIC_BREAKER_STATE,
  METRIC_PROBE_SINCE_LAST_SUCCESS,
} from '@stormwatch/conventions';
import { describe, expect, test } from 'vitest';
import {
  ALERT_THRESHOLDS,
  ALL_QUERIES,
  DEFAULT_STORM_THRESHOLDS,
  WATCH_QUERIES,
  queueBatchCostUsdPerHour,
  queueBatchTasksByOutcome,
  queueDeadlineSlack,
  queueDrainedByOutcome,
  queueOldestPendingAge,
  queueTasksByState,
  callDurationP95,
  callSpanDurationP95,
  costProjection,
  costUsdPerDay,
  costUsdPerHour,
  costUsdPreviousPeriod,
  firingAlerts,
  probeSinceLastSuccess,
  probeSuccessRatio,
  queryById,
  serviceModelState,
  statusComponents,
  statusIncidents,
  type ProjectionPeriod,
} from '../src/index.js';

const ALERTS_YML = fileURLToPath(new URL('../../../deploy/prometheus/rules/alerts.yml', import.meta.url));

/** The `expr` of one alert of alerts.yml, as text (block scalar or single line). */
function alertExpr(name: string): string {
  const text = readFileSync(ALERTS_YML, 'utf8');
  const blocks = text.split(/\n\s*- alert: /).slice(1);
  const block = blocks.find((b) => b.startsWith(`${name}\n`));
  if (!block) throw new Error(`alerts.yml has no alert ${name}`);
  const m = /\n\s*expr: (\|\n(?:\s{10,}.*\n)+|.*\n)/.exec(block);
  if (!m) throw new Error(`alert ${name} has no expr`);
  return m[1] as string;
}

describe('ALERT_THRESHOLDS', () => {
  const breakerState = metricDefinition(METRIC_BREAKER_STATE).prometheusName;
  const sinceLastSuccess = metricDefinition(METRIC_PROBE_SINCE_LAST_SUCCESS).prometheusName;
  test.each([
    [ALERT_RETRY_EXHAUSTION, `${RULE_RETRY_EXHAUSTION} > ${ALERT_THRESHOLDS.retryExhaustionPerMinute}`],
    [ALERT_RETRY_STORM, `${RULE_RETRY_AMPLIFICATION} > ${ALERT_THRESHOLDS.retryAmplification}`],
    [ALERT_OVERLOAD_RATIO, `${RULE_OVERLOAD_RATIO} > ${ALERT_THRESHOLDS.overloadRatio}`],
    [ALERT_BREAKER_OPEN, `(${breakerState}) >= ${ALERT_THRESHOLDS.breakerNotClosed}`],
    [ALERT_PROBE_FAILING, `${sinceLastSuccess}{stormwatch_policy="probe"}) > ${ALERT_THRESHOLDS.probeSinceLastSuccessSeconds}`],
    [ALERT_OVERLOAD_UNACKNOWLEDGED, `(${RULE_OVERLOAD_RATIO}) >= ${ALERT_THRESHOLDS.overloadUnacknowledged}`],
  ])('are the numbers %s compares against in alerts.yml', (alert, comparison) => {
    expect(alertExpr(alert)).toContain(comparison);
  });
  test('the comparison finder fails on a number alerts.yml does not use', () => {
    expect(alertExpr(ALERT_RETRY_STORM)).not.toContain(`${RULE_RETRY_AMPLIFICATION} > ${ALERT_THRESHOLDS.retryAmplification + 1}`);
    expect(() => alertExpr('StormwatchNoSuchAlert')).toThrow(/no alert StormwatchNoSuchAlert/);
  });
  test('storm detection defaults to the storm and overload alerts', () => {
    expect(DEFAULT_STORM_THRESHOLDS.amplification).toBe(ALERT_THRESHOLDS.retryAmplification);
    expect(DEFAULT_STORM_THRESHOLDS.overloadRatio).toBe(ALERT_THRESHOLDS.overloadRatio);
  });
});

const vars = { service: { variable: 'service' }, model: { variable: 'model' } } as const;

describe('the console queries', () => {
  test('state per service and model: breaker open, else overloaded, else storm, else calm, at the alert thresholds', () => {
    expect(serviceModelState(vars)).toBe(
      [
        '3 * group by (job, gen_ai_request_model) (label_replace(max by (job, stormwatch_breaker_key) (stormwatch_breaker_state{job=~"$service", stormwatch_breaker_key=~"$model"}) >= 1, "gen_ai_request_model", "$1", "stormwatch_breaker_key", "(.*)"))',
        '2 * group by (job, gen_ai_request_model) (max by (job, gen_ai_request_model) (stormwatch:overload_ratio:ratio_rate5m{job=~"$service", gen_ai_request_model=~"$model"}) > 0.2)',
        '1 * group by (job, gen_ai_request_model) (max by (job, gen_ai_request_model) (stormwatch:retry_amplification:ratio_rate5m{job=~"$service", gen_ai_request_model=~"$model"}) > 2)',
        '0 * group by (job, gen_ai_request_model) (stormwatch:calls:rate5m{job=~"$service", gen_ai_request_model=~"$model"})',
      ].join(' or '),
    );
  });
  test('firing alerts are the shipped ones, by service, and those of no service (the provider incident) whatever is selected', () => {
    const names = ALERTS.join('|');
    expect(firingAlerts({ service: 'checkout' })).toBe(
      `ALERTS{job="checkout", alertname=~"${names}", alertstate="firing"} or ALERTS{job="", alertname=~"${names}", alertstate="firing"}`,
    );
    expect(firingAlerts({})).toBe(`ALERTS{alertname=~"${names}", alertstate="firing"}`);
  });
  test('the probe is filtered by model only, under the probe policy', () => {
    expect(probeSinceLastSuccess(vars)).toBe(
      'max by (gen_ai_request_model) (stormwatch_probe_since_last_success_seconds{gen_ai_request_model=~"$model", stormwatch_policy="probe"})',
    );
    expect(probeSuccessRatio(vars)).not.toContain('$service');
    expect(probeSuccessRatio(vars)).toContain('stormwatch_probe_outcome="success"');
  });
  test('the status page: components by page and incidents in epoch milliseconds', () => {
    expect(statusComponents()).toBe(
      'max by (stormwatch_status_page, stormwatch_status_component) (stormwatch_status_component)',
    );
    expect(statusIncidents()).toMatch(/^max by \(stormwatch_status_page, stormwatch_status_incident_name, stormwatch_status_incident_impact\) \(stormwatch_status_incident_started_seconds\) \* 1000$/);
  });
  test('latency and cost rates read the raw series', () => {
    expect(callDurationP95(vars)).toBe(
      'histogram_quantile(0.95, sum by (job, gen_ai_request_model, le) (rate(stormwatch_call_duration_seconds_bucket{job=~"$service", gen_ai_request_model=~"$model"}[5m])))',
    );
    // The exemplars' series: the collector's span metrics of the call spans, same labels and unit.
    expect(callSpanDurationP95(vars)).toBe(
      'histogram_quantile(0.95, sum by (job, gen_ai_request_model, le) (rate(traces_span_metrics_duration_seconds_bucket{job=~"$service", gen_ai_request_model=~"$model", span_name="stormwatch.call"}[5m])))',
    );
    expect(callSpanDurationP95({ service: 'a', by: [] })).toBe(
      'histogram_quantile(0.95, sum by (le) (rate(traces_span_metrics_duration_seconds_bucket{job="a", span_name="stormwatch.call"}[5m])))',
    );
    expect(costUsdPerHour(vars)).toBe(
      'sum by (stormwatch_cost_kind) (rate(stormwatch_cost_usd_total{job=~"$service", gen_ai_request_model=~"$model"}[5m])) * 3600',
    );
    expect(costUsdPerDay({ by: ['job'] })).toBe('sum by (job, stormwatch_cost_kind) (rate(stormwatch_cost_usd_total[5m])) * 86400');
  });
  test('projections add the current rate over what is left of the period to what it spent so far', () => {
    expect(costProjection('day', { service: 'a' })).toBe(
      'sum(increase(stormwatch_cost_usd_total{job="a"}[$__range])) + sum(rate(stormwatch_cost_usd_total{job="a"}[5m])) * (86400 - $__range_s)',
    );
    expect(costProjection('month')).toContain('((days_in_month() * 86400) - $__range_s)');
    expect(() => costProjection('week' as ProjectionPeriod)).toThrow(new RangeError('projection period "week" is neither day nor month'));
  });
  test('the previous period is the range before the current one', () => {
    expect(costUsdPreviousPeriod({ service: 'a' })).toBe(
      'sum by (stormwatch_cost_kind) (increase(stormwatch_cost_usd_total{job="a"}[$__range] offset $__range))',
    );
  });
});

describe('the deferral queue queries', () => {
  test('read the queue rules by service and queue, with the service filter', () => {
    expect(queueTasksByState({ service: 'batch' })).toBe(
      'sum by (job, stormwatch_queue_name, stormwatch_queue_state) (stormwatch:queue_tasks:sum{job="batch", stormwatch_queue_state!="done"})',
    );
    expect(queueOldestPendingAge(vars)).toBe('max by (job, stormwatch_queue_name) (stormwatch:queue_oldest_pending_age_seconds:max{job=~"$service"})');
    expect(queueDrainedByOutcome({})).toBe('sum by (job, stormwatch_queue_name, stormwatch_queue_outcome) (stormwatch:queue_drained:rate5m)');
    expect(queueDeadlineSlack({ service: ['a', 'b'] })).toBe('min by (job, stormwatch_queue_name) (stormwatch:queue_deadline_slack_seconds:min{job=~"a|b"})');
    expect(queueBatchTasksByOutcome(vars)).toBe(
      'sum by (job, stormwatch_queue_name, stormwatch_queue_batch_outcome) (stormwatch:queue_batch_tasks:rate5m{job=~"$service"})',
    );
    expect(queueBatchCostUsdPerHour({ service: 'batch' })).toBe('sum by (job, stormwatch_queue_name) (stormwatch:queue_batch_cost_usd:per_hour{job="batch"})');
  });
});

describe('WATCH_QUERIES', () => {
  const known = new Set<string>([
    'ALERTS',
    ...RECORDING_RULES,
    ...METRICS.flatMap((m) =>
      m.kind === 'histogram' ? [`${m.prometheusName}_bucket`, `${m.prometheusName}_sum`, `${m.prometheusName}_count`] : [m.prometheusName],
    ),
  ]);
  // What Grafana substitutes before the expression reaches Prometheus.
  const grafana = (e: string): string => e.replace(/\$__range_s/g, '3600').replace(/\$__range/g, '1h');
  test.each(WATCH_QUERIES.map((q) => [q.id, q] as const))('%s parses once Grafana interpolated it, and reads contract series', (_id, q) => {
    const text = grafana(q.build(vars));
    const names: string[] = [];
    let error = false;
    promParser.parse(text).iterate({
      enter: (n) => {
        if (n.type.isError) error = true;
        if (n.name === 'VectorSelector') {
          const id = n.node.getChild('Identifier');
          if (id) names.push(text.slice(id.from, id.to));
        }
      },
    });
    expect({ error, unknown: names.filter((n) => !known.has(n)) }).toEqual({ error: false, unknown: [] });
    expect(names.length).toBeGreaterThan(0);
  });
  test('ids are unique across both lists, and queryById finds either', () => {
    const ids = [...ALL_QUERIES, ...WATCH_QUERIES].map((q) => q.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(queryById('firingAlerts').build({ service: 'a' })).toBe(firingAlerts({ service: 'a' }));
  });
});
