import { ThresholdsMode, type DataSourceRef } from '@grafana/schema';
import { queryById } from '@stormwatch/queries';
import { VAR_PROMETHEUS, VAR_TEMPO } from '../constants';
import type { AnnotationSpec, PanelSpec, QuerySpec } from './PageSpec';

/**
 * What a panel is, whatever renders it: its datasource, targets, field config, options and
 * transformations. The scene and the dashboard renderers both call these, so a panel's
 * content is written once.
 */

export const PROMETHEUS: DataSourceRef = Object.freeze({ type: 'prometheus', uid: `\${${VAR_PROMETHEUS}}` });
export const TEMPO: DataSourceRef = Object.freeze({ type: 'tempo', uid: `\${${VAR_TEMPO}}` });

/** Rows of the TraceQL tables. */
export const TRACE_LIMIT = 20;

/** The datasource of a panel; throws a TypeError for a panel mixing PromQL and TraceQL. */
export function panelDatasource(spec: PanelSpec): DataSourceRef {
  const kinds = new Set(spec.queries.map((q) => queryById(q.id).kind));
  if (kinds.size !== 1) {
    throw new TypeError(
      `panel "${spec.title}" must query one kind of datasource, got ${[...kinds].join(', ') || 'none'}`
    );
  }
  return kinds.has('traceql') ? TEMPO : PROMETHEUS;
}

/** The query of a target as Grafana sends it (refId = the query's id). */
export function targetOf(q: QuerySpec): Record<string, unknown> {
  const def = queryById(q.id);
  if (def.kind === 'traceql') {
    // `spans`: one row per matched span with its selected attributes as columns, so that
    // a table can sort by them (the `traces` table nests them under each trace).
    return {
      refId: q.id,
      datasource: TEMPO,
      queryType: 'traceql',
      query: def.build(q.params),
      limit: TRACE_LIMIT,
      spss: 3,
      tableType: 'spans',
    };
  }
  return {
    refId: q.id,
    datasource: PROMETHEUS,
    editorMode: 'code',
    expr: def.build(q.params),
    legendFormat: q.legend ?? '__auto',
    range: !q.instant,
    instant: Boolean(q.instant),
    ...(q.format ? { format: q.format } : {}),
    ...(q.exemplar ? { exemplar: true } : {}),
  };
}

/** The targets of a panel; throws a TypeError when two use the same query (their refIds would collide). */
export function targetsOf(spec: PanelSpec): Array<Record<string, unknown>> {
  const ids = spec.queries.map((q) => q.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) {
    throw new TypeError(`panel "${spec.title}" uses query ${twice} twice`);
  }
  return spec.queries.map(targetOf);
}

/** Overrides that hide the series of the panel's `hidden` queries (their exemplars stay). */
function hiddenSeriesOverrides(spec: PanelSpec) {
  return spec.queries
    .filter((q) => q.hidden)
    .map((q) => ({
      matcher: { id: 'byFrameRefID', options: q.id },
      properties: [{ id: 'custom.hideFrom', value: { viz: true, legend: true, tooltip: true } }],
    }));
}

/** Field config: unit, thresholds (drawn as a line on time series), value mappings, links, hidden series. */
export function fieldConfigOf(spec: PanelSpec) {
  const steps = spec.thresholds ?? [{ color: 'green', value: null }];
  const everyField = (spec.links ?? []).filter((l) => l.field === '*');
  const byField = (spec.links ?? []).filter((l) => l.field !== '*');
  return {
    defaults: {
      ...(spec.unit ? { unit: spec.unit } : {}),
      thresholds: { mode: ThresholdsMode.Absolute, steps: steps.map((s) => ({ ...s })) },
      ...(spec.mappings ? { mappings: spec.mappings } : {}),
      ...(everyField.length > 0 ? { links: everyField.flatMap((l) => l.links.map((link) => ({ ...link }))) } : {}),
      // Time series draw their threshold as a line: the alert's threshold in sight.
      ...(spec.type === 'timeseries' && spec.thresholds ? { custom: { thresholdsStyle: { mode: 'line' } } } : {}),
    },
    overrides: [
      ...byField.map((l) => ({
        matcher: { id: 'byName', options: l.field },
        properties: [{ id: 'links', value: l.links.map((link) => ({ ...link })) }],
      })),
      ...hiddenSeriesOverrides(spec),
    ],
  };
}

/** The panel's options. */
export function optionsOf(spec: PanelSpec): Record<string, unknown> {
  return { ...(spec.options ?? {}) };
}

/** Grafana's standard transformations of the panel: hidden columns, then the sort. */
export function transformationsOf(spec: PanelSpec): Array<{ id: string; options: Record<string, unknown> }> {
  return [
    ...(spec.hideColumns
      ? [{ id: 'organize', options: { excludeByName: Object.fromEntries(spec.hideColumns.map((c) => [c, true])) } }]
      : []),
    ...(spec.sortBy
      ? [
          {
            id: 'convertFieldType',
            options: { conversions: [{ targetField: spec.sortBy.field, destinationType: 'number' }], fields: {} },
          },
          { id: 'sortBy', options: { sort: [{ field: spec.sortBy.field, desc: spec.sortBy.desc }] } },
        ]
      : []),
  ];
}

/** Checks a row fits the 24-column grid; throws a RangeError naming the width. */
export function checkRowWidth(row: readonly PanelSpec[]): void {
  const width = row.reduce((sum, p) => sum + p.w, 0);
  if (width > 24) {
    throw new RangeError(`a row (${row.map((p) => p.title).join(', ')}) is ${width} grid units wide; at most 24 fit`);
  }
}

/**
 * A Prometheus annotation query (dashboard `annotations.list` entry and scene annotation
 * layer alike); throws a TypeError for a TraceQL query.
 */
export function annotationOf(a: AnnotationSpec): Record<string, unknown> {
  const def = queryById(a.query.id);
  if (def.kind !== 'promql') {
    throw new TypeError(`annotation "${a.name}" must be a PromQL query, got ${a.query.id}`);
  }
  const expr = def.build(a.query.params);
  return {
    name: a.name,
    enable: true,
    hide: false,
    iconColor: a.iconColor,
    datasource: PROMETHEUS,
    expr: a.filter ? `${expr} ${a.filter}` : expr,
    step: a.step ?? '60s',
    titleFormat: a.titleFormat,
    ...(a.textFormat ? { textFormat: a.textFormat } : {}),
    ...(a.tagKeys ? { tagKeys: a.tagKeys } : {}),
    useValueForTime: Boolean(a.useValueForTime),
    refId: `Anno-${a.query.id}`,
  };
}
