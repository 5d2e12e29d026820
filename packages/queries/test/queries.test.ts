import {
  METRIC_ADMISSION_QUEUE_DEPTH,
  METRIC_ADMISSION_RATE,
  METRIC_COST_USD,
  METRIC_STORE_ERRORS,
  METRIC_STORE_LOCAL_ANSWERS,
  METRIC_STORE_SHARING,
  METRIC_TOKENS_WASTED,
  metricDefinition,
  prometheusLabel,
} from '@stormwatch/conventions';
import { describe, expect, test } from 'vitest';
import {
  ALL_QUERIES,
  LABEL,
  breakersOpen,
  callsPerSecond,
  callsWithMostAttempts,
  costUsd,
  failedAfterRetries,
  fallbacks,
  fellBack,
  anyCalls,
  admissionQueueDepth,
  admissionRefusalsByReason,
  admissionWaitP95,
  admittedRate,
  longestBackoffs,
  modelValuesSeries,
  overloadRatio,
  queryById,
  retryAmplification,
  retryWaves,
  stormAmplification,
  storeErrorsByOperation,
  storeInstancesLocal,
  storeLocalAnswersByReason,
  wasteShare,
  wastedTokensByKind,
  wastedUsdPerHour,
} from '../src/index.js';

const one = { service: 'checkout', model: 'claude-sonnet-4-5' } as const;
const vars = { service: { variable: 'service' }, model: { variable: 'model' }, range: '$__rate_interval' } as const;

describe('PromQL builders', () => {
  test('calls per second filter by service and model', () => {
    expect(callsPerSecond(one)).toBe(
      'sum by (job, gen_ai_request_model) (stormwatch:calls:rate5m{job="checkout", gen_ai_request_model="claude-sonnet-4-5"})',
    );
  });
  test('no filters select every series', () => {
    expect(callsPerSecond()).toBe('sum by (job, gen_ai_request_model) (stormwatch:calls:rate5m)');
  });
  test('an empty grouping sums everything', () => {
    expect(retryAmplification({ by: [] })).toBe('sum(stormwatch:attempts:rate5m) / sum(stormwatch:calls:rate5m)');
  });
  test('overload ratio counts a missing numerator as zero', () => {
    expect(overloadRatio({ service: 'a', by: [] })).toBe(
      '(sum(stormwatch:attempts:rate5m{job="a", error_type="overloaded_error"}) or 0 * sum(stormwatch:attempts:rate5m{job="a"})) / sum(stormwatch:attempts:rate5m{job="a"})',
    );
  });
  test('Grafana variables stay for the datasource to interpolate', () => {
    expect(retryWaves(vars)).toBe(
      'sum by (job, gen_ai_request_model) (rate(stormwatch_attempts_total{job=~"$service", gen_ai_request_model=~"$model", stormwatch_attempt_retry="true"}[$__rate_interval]))',
    );
  });
  test('label values are escaped', () => {
    expect(callsPerSecond({ service: 'we"ird\\svc', by: [] })).toBe('sum(stormwatch:calls:rate5m{job="we\\"ird\\\\svc"})');
  });
  test('breakers open uses the service filter only and is 0 when none', () => {
    expect(breakersOpen(one)).toBe(
      'count(max by (job, stormwatch_breaker_key) (stormwatch_breaker_state{job="checkout"}) >= 1) or vector(0)',
    );
  });
  test('waste share is a ratio of cost increases over the range', () => {
    expect(wasteShare({ by: [], range: '$__range' })).toBe(
      '(sum(increase(stormwatch_cost_usd_total{stormwatch_cost_kind="wasted"}[$__range])) or 0 * sum(increase(stormwatch_cost_usd_total[$__range]))) / sum(increase(stormwatch_cost_usd_total[$__range]))',
    );
  });
  test('cost is grouped by the caller grouping and the cost kind', () => {
    expect(costUsd({ by: ['stormwatch_policy'] })).toBe(
      'sum by (stormwatch_policy, stormwatch_cost_kind) (increase(stormwatch_cost_usd_total[1h]))',
    );
  });
  test('cost, waste share, wasted USD/h and wasted tokens group by policy', () => {
    const byPolicy = { service: { variable: 'service' }, by: [LABEL.POLICY], range: '$__range' } as const;
    expect(costUsd(byPolicy)).toBe(
      'sum by (stormwatch_policy, stormwatch_cost_kind) (increase(stormwatch_cost_usd_total{job=~"$service"}[$__range]))',
    );
    expect(wasteShare(byPolicy)).toBe(
      '(sum by (stormwatch_policy) (increase(stormwatch_cost_usd_total{job=~"$service", stormwatch_cost_kind="wasted"}[$__range])) or 0 * sum by (stormwatch_policy) (increase(stormwatch_cost_usd_total{job=~"$service"}[$__range]))) / sum by (stormwatch_policy) (increase(stormwatch_cost_usd_total{job=~"$service"}[$__range]))',
    );
    expect(wastedUsdPerHour(byPolicy)).toBe('sum by (stormwatch_policy) (stormwatch:wasted_cost_usd:per_hour{job=~"$service"})');
    expect(wastedTokensByKind(byPolicy)).toBe(
      'sum by (stormwatch_policy, stormwatch_waste_kind, gen_ai_token_type) (rate(stormwatch_tokens_wasted_total{job=~"$service"}[$__range]))',
    );
  });
  test('wasted tokens group by kind only unless asked for more', () => {
    expect(wastedTokensByKind()).toBe(
      'sum by (stormwatch_waste_kind, gen_ai_token_type) (rate(stormwatch_tokens_wasted_total[5m]))',
    );
    expect(() => wastedTokensByKind({ by: ['not a label'] })).toThrow(RangeError);
  });
  test('the cost and waste metrics carry the model and policy labels the cost queries group by', () => {
    for (const name of [METRIC_COST_USD, METRIC_TOKENS_WASTED]) {
      const labels = metricDefinition(name).attributes.map(prometheusLabel);
      expect(labels, name).toEqual(expect.arrayContaining([LABEL.MODEL, LABEL.POLICY]));
    }
  });
  test('storm inputs always group by service and model', () => {
    expect(stormAmplification({ by: ['x'], model: ['a', 'b'] })).toBe(
      'max by (job, gen_ai_request_model) (stormwatch:retry_amplification:ratio_rate5m{gen_ai_request_model=~"a|b"})',
    );
  });
  test('admission: the paced rate and the queue depth summed over instances and policies, by service and model', () => {
    expect(admittedRate(vars)).toBe(
      'sum by (job, gen_ai_request_model) (stormwatch_admission_rate_per_second{job=~"$service", gen_ai_request_model=~"$model"})',
    );
    expect(admissionQueueDepth({ ...one, by: [] })).toBe(
      'sum(stormwatch_admission_queue_depth{job="checkout", gen_ai_request_model="claude-sonnet-4-5"})',
    );
  });
  test('admission: the wait p95 of the worst policy and refusals by reason, from the recording rules', () => {
    expect(admissionWaitP95(one)).toBe(
      'max by (job, gen_ai_request_model) (stormwatch:admission_wait_seconds:p95_rate5m{job="checkout", gen_ai_request_model="claude-sonnet-4-5"})',
    );
    expect(admissionRefusalsByReason({ by: [] })).toBe(
      'sum by (stormwatch_admission_refusal_reason) (stormwatch:admission_refusals:rate5m)',
    );
  });
  test('the admission metrics carry the model and policy labels the admission queries group by', () => {
    for (const name of [METRIC_ADMISSION_RATE, METRIC_ADMISSION_QUEUE_DEPTH]) {
      expect(metricDefinition(name).attributes.map(prometheusLabel), name).toEqual([LABEL.MODEL, LABEL.POLICY]);
    }
  });
  test('store: instances answering locally per service, 0 when every store shares; local answers by reason; service filter only', () => {
    expect(storeInstancesLocal(vars)).toBe('sum by (job) (1 - min by (job, instance) (stormwatch_store_sharing{job=~"$service"}))');
    expect(storeInstancesLocal({ ...one, by: [LABEL.POLICY] })).toBe('sum by (job) (1 - min by (job, instance) (stormwatch_store_sharing{job="checkout"}))');
    expect(storeLocalAnswersByReason(one)).toBe(
      'sum by (job, stormwatch_store_reason) (stormwatch:store_local_answers:rate5m{job="checkout"})',
    );
  });
  test('store: operations that rejected by the grouping and the operation, filtered by service and model', () => {
    expect(storeErrorsByOperation(one)).toBe(
      'sum by (job, gen_ai_request_model, stormwatch_store_operation) (stormwatch:store_errors:rate5m{job="checkout", gen_ai_request_model="claude-sonnet-4-5"})',
    );
    expect(storeErrorsByOperation({ by: [LABEL.POLICY] })).toBe('sum by (stormwatch_policy, stormwatch_store_operation) (stormwatch:store_errors:rate5m)');
  });
  test('the store metrics carry the labels the store queries group by: none but the reason per process, model and policy on errors', () => {
    expect(metricDefinition(METRIC_STORE_SHARING).attributes).toEqual([]);
    expect(metricDefinition(METRIC_STORE_LOCAL_ANSWERS).attributes.map(prometheusLabel)).toEqual([LABEL.STORE_REASON]);
    expect(metricDefinition(METRIC_STORE_ERRORS).attributes.map(prometheusLabel)).toEqual([LABEL.MODEL, LABEL.POLICY, LABEL.STORE_OPERATION]);
  });
  test('fallbacks filter the model they fell back from', () => {
    expect(fallbacks({ model: 'm', range: '10m' })).toBe(
      'sum by (job, stormwatch_fallback_from_model, stormwatch_fallback_to_model, stormwatch_fallback_reason) (increase(stormwatch_fallbacks_total{stormwatch_fallback_from_model="m"}[10m]))',
    );
  });
  test('the model variable lists models of the selected services', () => {
    expect(modelValuesSeries({ service: { variable: 'service' } })).toBe('stormwatch:calls:rate5m{job=~"$service"}');
  });
  test('a bad range throws', () => {
    expect(() => retryWaves({ range: '1 minute' })).toThrow(RangeError);
  });
});

describe('TraceQL builders', () => {
  const select =
    'select(span.stormwatch.call.attempts, span.stormwatch.call.outcome, span.gen_ai.request.model, span.stormwatch.call.final_model, span.stormwatch.policy, span.stormwatch.cost.wasted_usd, span.error.type)';
  test('most attempts', () => {
    expect(callsWithMostAttempts(one)).toBe(
      `{ name = "stormwatch.call" && resource.service.name = "checkout" && span.gen_ai.request.model = "claude-sonnet-4-5" && span.stormwatch.call.attempts > 1 } | ${select}`,
    );
  });
  test('failed after retries', () => {
    expect(failedAfterRetries()).toBe(
      `{ name = "stormwatch.call" && span.stormwatch.call.outcome = "failed" && span.stormwatch.call.attempts > 1 } | ${select}`,
    );
  });
  test('fell back, with variables', () => {
    expect(fellBack(vars)).toBe(
      `{ name = "stormwatch.call" && resource.service.name =~ "$service" && span.gen_ai.request.model =~ "$model" && span.stormwatch.call.outcome = "fallback_success" } | ${select}`,
    );
  });
  test('any call, the empty-state probe', () => {
    expect(anyCalls({ model: ['a', 'b'] })).toBe('{ name = "stormwatch.call" && span.gen_ai.request.model =~ "a|b" }');
  });
  test('longest backoffs select backoff spans under the calls', () => {
    expect(longestBackoffs({ service: 'a"b' })).toBe(
      '{ name = "stormwatch.call" && resource.service.name = "a\\"b" } > { name = "stormwatch.backoff" } | select(span.stormwatch.retry.delay_s, span.stormwatch.retry.delay_source, span.stormwatch.attempt.number)',
    );
  });
});

describe('ALL_QUERIES', () => {
  test('ids are unique', () => {
    const ids = ALL_QUERIES.map((q) => q.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
  test('holds both kinds', () => {
    expect(new Set(ALL_QUERIES.map((q) => q.kind))).toEqual(new Set(['promql', 'traceql']));
  });
  test('looks queries up by id', () => {
    expect(queryById('callsPerSecond').build(one)).toBe(callsPerSecond(one));
    expect(() => queryById('nope')).toThrow(/"nope" is not a Stormwatch query id/);
  });
});
