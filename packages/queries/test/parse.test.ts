import { parser as promParser } from '@prometheus-io/lezer-promql';
import { parser as traceParser } from '@grafana/lezer-traceql';
import type { Tree } from '@lezer/common';
import { METRICS, PROM_SPAN_METRICS_CALLS, PROM_SPAN_METRICS_DURATION, RECORDING_RULES } from '@stormwatch/conventions';
import { describe, expect, test } from 'vitest';
import { ALL_QUERIES, LABEL, type QueryParams } from '../src/index.js';

const PARAMS: Record<string, QueryParams> = {
  none: {},
  one: { service: 'checkout', model: 'claude-sonnet-4-5', range: '10m' },
  many: { service: ['a', 'b"c\\d'], model: ['x.y', 'z|w'], by: [] },
  variables: { service: { variable: 'service' }, model: { variable: 'model' } },
  byPolicy: { service: { variable: 'service' }, by: [LABEL.POLICY] },
};

function errors(tree: Tree, text: string): string[] {
  const found: string[] = [];
  tree.iterate({
    enter: (n) => {
      if (n.type.isError) found.push(`error at ${n.from}: ${text.slice(Math.max(0, n.from - 20), n.to + 20)}`);
    },
  });
  return found;
}

/** Every series name a PromQL expression selects. */
function metricNames(text: string): string[] {
  const names: string[] = [];
  promParser.parse(text).iterate({
    enter: (n) => {
      if (n.name === 'VectorSelector') {
        const id = n.node.getChild('Identifier');
        if (id) names.push(text.slice(id.from, id.to));
      }
    },
  });
  return names;
}

const KNOWN = new Set<string>([
  ...RECORDING_RULES,
  ...METRICS.flatMap((m) =>
    m.kind === 'histogram'
      ? [`${m.prometheusName}_bucket`, `${m.prometheusName}_sum`, `${m.prometheusName}_count`]
      : [m.prometheusName],
  ),
  // The collector's optional span metrics (deploy/collector/spanmetrics.yaml).
  PROM_SPAN_METRICS_CALLS,
  ...['_bucket', '_sum', '_count'].map((s) => `${PROM_SPAN_METRICS_DURATION}${s}`),
]);

describe.each(Object.entries(PARAMS))('with %s filters', (_name, params) => {
  test.each(ALL_QUERIES.filter((q) => q.kind === 'promql').map((q) => [q.id, q] as const))(
    'PromQL %s parses and selects only contract series',
    (_id, q) => {
      const text = q.build(params);
      expect(errors(promParser.parse(text), text)).toEqual([]);
      const names = metricNames(text);
      expect(names.length).toBeGreaterThan(0);
      expect(names.filter((n) => !KNOWN.has(n))).toEqual([]);
    },
  );
  test.each(ALL_QUERIES.filter((q) => q.kind === 'traceql').map((q) => [q.id, q] as const))('TraceQL %s parses', (_id, q) => {
    const text = q.build(params);
    expect(errors(traceParser.parse(text), text)).toEqual([]);
  });
});

describe('the parsers catch mistakes', () => {
  test('a broken PromQL expression has errors', () => {
    expect(errors(promParser.parse('sum by (job (x)'), 'sum by (job (x)').length).toBeGreaterThan(0);
  });
  test('a broken TraceQL expression has errors', () => {
    expect(errors(traceParser.parse('{ name = }'), '{ name = }').length).toBeGreaterThan(0);
  });
  test('a series outside the contract is reported', () => {
    expect(metricNames('sum(rate(stormwatch_unknown_total[5m]))').filter((n) => !KNOWN.has(n))).toEqual([
      'stormwatch_unknown_total',
    ]);
  });
});
