import { MappingType, type ValueMapping } from '@grafana/schema';
import { ATTR_CALL_ATTEMPTS, COMPONENT_STATUS_GAUGE_VALUE } from '@stormwatch/conventions';
import { LABEL, SERVICE_STATE, STATUS_LABEL, type QueryParams } from '@stormwatch/queries';
import {
  PLUGIN_BASE_URL,
  ROUTES,
  SERVICE_DRILLDOWN,
  VAR_MODEL,
  VAR_PROMETHEUS,
  VAR_SERVICE,
  VAR_TEMPO,
} from '../constants';
import { drilldownTraceLink, exploreTraceLink } from '../transforms/traceLinkTemplates';
import type { AnnotationSpec, FieldLinks, PanelSpec, QuerySpec, ThresholdStep } from './PageSpec';

/** Presets the page specs compose: filters, legends, stat, time series and trace-table panels. */

/** The service and model filters: the template variables of every page. */
export const FILTERS: QueryParams = Object.freeze({
  service: { variable: VAR_SERVICE },
  model: { variable: VAR_MODEL },
});
/** The same filters, totals over every selected service and model. */
export const TOTAL: QueryParams = Object.freeze({ ...FILTERS, by: [] });

export const legend = (...labels: string[]): string => labels.map((l) => `{{${l}}}`).join(' · ');
export const SERVICE_MODEL = legend(LABEL.SERVICE, LABEL.MODEL);

/** What a page spec may depend on besides itself: whether Traces Drilldown is installed (an extra link per trace). */
export interface PageEnv {
  readonly drilldown: boolean;
}
export const DASHBOARD_ENV: PageEnv = Object.freeze({ drilldown: false });

export function stat(
  title: string,
  description: string,
  q: QuerySpec,
  unit: string,
  thresholds?: readonly ThresholdStep[],
  extra: Partial<PanelSpec> = {}
): PanelSpec {
  return {
    type: 'stat',
    title,
    description,
    queries: [{ ...q, instant: true }],
    w: 3,
    h: 4,
    unit,
    thresholds,
    options: {
      // Instant queries have no history to draw.
      graphMode: 'none',
      colorMode: 'value',
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    },
    ...extra,
  };
}

export function timeseries(
  title: string,
  description: string,
  queries: readonly QuerySpec[],
  unit: string,
  w: number,
  extra: Partial<PanelSpec> = {}
): PanelSpec {
  return { type: 'timeseries', title, description, queries, w, h: 8, unit, ...extra };
}

/** The field of Tempo's `spans` table holding the span id; its links open the trace. */
export const SPAN_ID_FIELD = 'spanID';
/** The hidden field of Tempo's `spans` table holding the trace id. */
export const TRACE_ID_HIDDEN_FIELD = 'traceIdHidden';
/** The `duration` field of Tempo's `spans` table (the span's real duration). */
export const SPAN_DURATION_FIELD = 'duration';

/** Links of a trace row: Explore always, Traces Drilldown when installed. */
export function traceRowLinks(env: PageEnv): FieldLinks[] {
  const traceId = `\${__data.fields.${TRACE_ID_HIDDEN_FIELD}}`;
  return [
    {
      field: SPAN_ID_FIELD,
      links: [
        { title: 'Open in Explore', url: exploreTraceLink(traceId) },
        ...(env.drilldown ? [{ title: 'Open in Traces Drilldown', url: drilldownTraceLink(traceId) }] : []),
      ],
    },
  ];
}

/** The attempts column of the call tables (the selected span attribute). */
export const ATTEMPTS_FIELD = ATTR_CALL_ATTEMPTS;

/** A table of a TraceQL search whose rows open their trace, sorted by what it is about when `sortBy` is given. */
export function traceTable(
  env: PageEnv,
  title: string,
  description: string,
  id: string,
  sortBy?: PanelSpec['sortBy']
): PanelSpec {
  return {
    type: 'table',
    title,
    description,
    queries: [{ id, params: FILTERS }],
    w: 12,
    h: 9,
    links: traceRowLinks(env),
    ...(sortBy ? { sortBy } : {}),
  };
}

/** Value mappings of serviceModelState: the verdict's words and colours. */
export const STATE_MAPPINGS: ValueMapping[] = [
  {
    type: MappingType.ValueToText,
    options: {
      [String(SERVICE_STATE.CALM)]: { text: 'calm', color: 'green', index: 0 },
      [String(SERVICE_STATE.STORM)]: { text: 'storm', color: 'orange', index: 1 },
      [String(SERVICE_STATE.OVERLOADED)]: { text: 'overloaded', color: 'red', index: 2 },
      [String(SERVICE_STATE.BREAKER_OPEN)]: { text: 'breaker open', color: 'purple', index: 3 },
    },
  },
];

const COMPONENT_COLORS: Record<keyof typeof COMPONENT_STATUS_GAUGE_VALUE, string> = {
  unknown: 'text',
  operational: 'green',
  under_maintenance: 'blue',
  degraded_performance: 'yellow',
  partial_outage: 'orange',
  major_outage: 'red',
};

/** Value mappings of the status page's component gauge (unknown is never shown as operational). */
export const COMPONENT_MAPPINGS: ValueMapping[] = [
  {
    type: MappingType.ValueToText,
    options: Object.fromEntries(
      (Object.keys(COMPONENT_STATUS_GAUGE_VALUE) as Array<keyof typeof COMPONENT_STATUS_GAUGE_VALUE>).map(
        (state, index) => [
          String(COMPONENT_STATUS_GAUGE_VALUE[state]),
          { text: state.replace(/_/g, ' '), color: COMPONENT_COLORS[state], index },
        ]
      )
    ),
  },
];

/**
 * What is drawn on the amplification, overload and cost graphs: the status page's
 * incidents (at their start), breaker transitions and fallbacks (each minute with any).
 */
export const EVENT_ANNOTATIONS: readonly AnnotationSpec[] = [
  {
    name: 'Status page incidents',
    query: { id: 'statusIncidents', params: {} },
    iconColor: 'orange',
    titleFormat: `incident: {{${STATUS_LABEL.INCIDENT_NAME}}}`,
    textFormat: `impact {{${STATUS_LABEL.INCIDENT_IMPACT}}} on {{${STATUS_LABEL.PAGE}}}`,
    useValueForTime: true,
  },
  {
    name: 'Breaker transitions',
    query: { id: 'breakerTransitions', params: { ...FILTERS, range: '1m' } },
    filter: '> 0',
    iconColor: 'red',
    titleFormat: `breaker {{${LABEL.BREAKER_KEY}}}: {{${LABEL.BREAKER_FROM}}} → {{${LABEL.BREAKER_TO}}}`,
    tagKeys: LABEL.SERVICE,
  },
  {
    name: 'Fallbacks',
    query: { id: 'fallbacks', params: { ...FILTERS, range: '1m' } },
    filter: '> 0',
    iconColor: 'purple',
    titleFormat: `fallback {{${LABEL.FALLBACK_FROM}}} → {{${LABEL.FALLBACK_TO}}}`,
    textFormat: `reason {{${LABEL.FALLBACK_REASON}}}`,
    tagKeys: LABEL.SERVICE,
  },
];

/** The query string of a data link that keeps the page's datasources. */
const KEEP_DATASOURCES = `var-${VAR_PROMETHEUS}=\${${VAR_PROMETHEUS}}&var-${VAR_TEMPO}=\${${VAR_TEMPO}}`;

/**
 * A data link to the service page of the service a cell names (`service`: the data-link
 * variable holding it), keeping the time range and the datasources.
 */
export function serviceLink(service: string): { title: string; url: string } {
  return {
    title: 'Open the service',
    url:
      `${PLUGIN_BASE_URL}/${ROUTES.Overview}/${SERVICE_DRILLDOWN}?var-${VAR_SERVICE}=${service}` +
      `&\${__url_time_range}&${KEEP_DATASOURCES}`,
  };
}

/**
 * The window a point's traces link opens, centred on the point: 10 minutes, so that it
 * holds the 5 minutes of calls the point's rate or percentile was computed from.
 */
export const POINT_WINDOW_MS = 600_000;

/**
 * A data link from a point of a graph to the Traces page (its tables sorted by attempts and
 * backoff) over the {@link POINT_WINDOW_MS} around the point (Scenes reads `time` and
 * `time.window`), keeping the datasources. `filters`: `series` narrows it to the service and
 * model of the clicked series (a graph by service and model), `page` keeps the page's own
 * filters (a graph of totals).
 */
export function tracesLink(title: string, filters: 'series' | 'page'): { title: string; url: string } {
  const narrowed =
    filters === 'series'
      ? `var-${VAR_SERVICE}=\${__field.labels.${LABEL.SERVICE}}&var-${VAR_MODEL}=\${__field.labels.${LABEL.MODEL}}`
      : `\${${VAR_SERVICE}:queryparam}&\${${VAR_MODEL}:queryparam}`;
  return {
    title,
    url:
      `${PLUGIN_BASE_URL}/${ROUTES.Traces}?${narrowed}` +
      `&time=\${__value.time}&time.window=${POINT_WINDOW_MS}` +
      `&${KEEP_DATASOURCES}`,
  };
}

/**
 * The exemplars of a call-duration graph: the call spans' latency from the collector's span
 * metrics, asked for its exemplars and not drawn. Each exemplar sits on the line of its
 * service and model and opens that call's trace. Without the span-metrics overlay the query
 * has no series and the graph shows its line alone.
 */
export function callExemplars(params: QueryParams): QuerySpec {
  return { id: 'callSpanDurationP95', params, legend: 'span metrics', exemplar: true, hidden: true };
}

/** What a call-duration graph's description says of its exemplars. */
export const CALL_EXEMPLARS_NOTE =
  'The dots are exemplars of the collector’s span metrics (deploy/collector/spanmetrics.yaml), each opening one call’s trace; without that overlay the line shows alone.';
