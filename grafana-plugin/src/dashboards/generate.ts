import {
  DashboardCursorSync,
  MappingType,
  ThresholdsMode,
  VariableHide,
  VariableRefresh,
  VariableSort,
  type Dashboard,
  type DataSourceRef,
  type Panel,
  type ValueMapping,
  type VariableModel,
} from '@grafana/schema';
import {
  DEFAULT_STORM_THRESHOLDS,
  LABEL,
  modelValuesSeries,
  queryById,
  serviceValuesSeries,
  type QueryParams,
} from '@stormwatch/queries';
import { PLUGIN_BASE_URL, ROUTES, VAR_MODEL, VAR_PROMETHEUS, VAR_SERVICE, VAR_TEMPO } from '../constants';

/**
 * The bundled dashboards (plugin.json `includes` of type `dashboard`), generated from the
 * same query builders as the app's scenes. Every panel reads the datasource of a
 * datasource variable (`${prometheus}`, `${tempo}`): no datasource uid is written, so the
 * dashboards work on any Grafana whose datasources are named anything.
 *
 * Regenerate with `npm run dashboards`; a test checks that the committed JSON equals
 * {@link generateDashboards}' output.
 */

/** Dashboard JSON schema version written (the one of @grafana/schema 13.1). */
export const SCHEMA_VERSION = 42;

/** The tag every bundled dashboard carries. */
export const DASHBOARD_TAG = 'stormwatch';

const PROMETHEUS: DataSourceRef = { type: 'prometheus', uid: `\${${VAR_PROMETHEUS}}` };
const TEMPO: DataSourceRef = { type: 'tempo', uid: `\${${VAR_TEMPO}}` };

/** The service and model filters: the dashboard's template variables. */
const FILTERS: QueryParams = Object.freeze({ service: { variable: VAR_SERVICE }, model: { variable: VAR_MODEL } });
/** The same filters, totals over every selected service and model. */
const TOTAL: QueryParams = Object.freeze({ ...FILTERS, by: [] });

const legend = (...labels: string[]): string => labels.map((l) => `{{${l}}}`).join(' · ');
const SERVICE_MODEL = legend(LABEL.SERVICE, LABEL.MODEL);

/** One query of a panel: an id of `ALL_QUERIES` (also its refId) and its parameters. */
interface QuerySpec {
  readonly id: string;
  readonly params: QueryParams;
  readonly legend?: string;
  /** One value at the end of the range instead of a series. */
  readonly instant?: boolean;
  /** Prometheus result format: `table` (one row per series) or `heatmap` (buckets by `le`). */
  readonly format?: 'table' | 'heatmap';
}

/** A panel before layout: its type, title, queries, width and height in grid units. */
interface PanelSpec {
  readonly type: 'stat' | 'timeseries' | 'bargauge' | 'table' | 'state-timeline' | 'heatmap';
  readonly title: string;
  readonly description: string;
  readonly queries: readonly QuerySpec[];
  readonly w: number;
  readonly h: number;
  readonly unit?: string;
  /** Red from this value on (stats and time series). */
  readonly redFrom?: number;
  /** Minimum step (`interval`) of the panel's queries. */
  readonly interval?: string;
  readonly mappings?: ValueMapping[];
  readonly options?: Record<string, unknown>;
  /** Columns a table hides (the time column of instant queries, for instance). */
  readonly hideColumns?: readonly string[];
}

function target(q: QuerySpec): Record<string, unknown> {
  const def = queryById(q.id);
  if (def.kind === 'traceql') {
    return {
      refId: q.id,
      datasource: TEMPO,
      queryType: 'traceql',
      query: def.build(q.params),
      limit: 20,
      spss: 3,
      tableType: 'traces',
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
  };
}

function panel(spec: PanelSpec, id: number, x: number, y: number): Panel {
  const kinds = new Set(spec.queries.map((q) => queryById(q.id).kind));
  if (kinds.size !== 1) {
    throw new TypeError(`panel "${spec.title}" mixes PromQL and TraceQL queries`);
  }
  const datasource = kinds.has('traceql') ? TEMPO : PROMETHEUS;
  const thresholds = {
    mode: ThresholdsMode.Absolute,
    steps: [
      { color: 'green', value: null },
      ...(spec.redFrom === undefined ? [] : [{ color: 'red', value: spec.redFrom }]),
    ],
  };
  return {
    id,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    datasource,
    gridPos: { x, y, w: spec.w, h: spec.h },
    ...(spec.interval ? { interval: spec.interval } : {}),
    targets: spec.queries.map(target),
    fieldConfig: {
      defaults: {
        ...(spec.unit ? { unit: spec.unit } : {}),
        thresholds,
        ...(spec.mappings ? { mappings: spec.mappings } : {}),
        // Time series draw their threshold as a red line: the storm threshold in sight.
        ...(spec.type === 'timeseries' && spec.redFrom !== undefined
          ? { custom: { thresholdsStyle: { mode: 'line' } } }
          : {}),
      },
      overrides: [],
    },
    options: spec.options ?? {},
    ...(spec.hideColumns
      ? {
          transformations: [
            { id: 'organize', options: { excludeByName: Object.fromEntries(spec.hideColumns.map((c) => [c, true])) } },
          ],
        }
      : {}),
  };
}

/** Lays rows of panels out on the 24-column grid, top to bottom, numbering panels from 1. */
function layout(rows: ReadonlyArray<readonly PanelSpec[]>): Panel[] {
  const panels: Panel[] = [];
  let y = 0;
  for (const row of rows) {
    const width = row.reduce((sum, p) => sum + p.w, 0);
    if (width > 24) {
      throw new RangeError(`a dashboard row is ${width} grid units wide; at most 24 fit`);
    }
    let x = 0;
    for (const spec of row) {
      panels.push(panel(spec, panels.length + 1, x, y));
      x += spec.w;
    }
    y += Math.max(...row.map((p) => p.h));
  }
  return panels;
}

function datasourceVariable(name: string, label: string, pluginId: string): VariableModel {
  return {
    name,
    label,
    type: 'datasource',
    query: pluginId,
    current: { text: '', value: '' },
    hide: VariableHide.dontHide,
    refresh: VariableRefresh.onDashboardLoad,
    regex: '',
    options: [],
  };
}

function labelVariable(name: string, label: string, series: string, promLabel: string): VariableModel {
  const definition = `label_values(${series}, ${promLabel})`;
  return {
    name,
    label,
    type: 'query',
    datasource: PROMETHEUS,
    definition,
    query: { qryType: 1, query: definition, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    current: { text: ['All'], value: ['$__all'] },
    includeAll: true,
    multi: true,
    allValue: '.*',
    refresh: VariableRefresh.onTimeRangeChanged,
    sort: VariableSort.alphabeticalAsc,
    regex: '',
    options: [],
  } as VariableModel;
}

function variables(withTempo: boolean): VariableModel[] {
  return [
    datasourceVariable(VAR_PROMETHEUS, 'Prometheus', 'prometheus'),
    ...(withTempo ? [datasourceVariable(VAR_TEMPO, 'Tempo', 'tempo')] : []),
    labelVariable(VAR_SERVICE, 'Service', serviceValuesSeries(), LABEL.SERVICE),
    labelVariable(VAR_MODEL, 'Model', modelValuesSeries({ service: { variable: VAR_SERVICE } }), LABEL.MODEL),
  ];
}

function dashboard(
  title: string,
  description: string,
  route: ROUTES,
  rows: ReadonlyArray<readonly PanelSpec[]>
): Dashboard {
  const panels = layout(rows);
  const usesTempo = panels.some((p) => p.datasource?.uid === TEMPO.uid);
  return {
    title,
    description,
    tags: [DASHBOARD_TAG],
    editable: true,
    graphTooltip: DashboardCursorSync.Crosshair,
    schemaVersion: SCHEMA_VERSION,
    time: { from: 'now-1h', to: 'now' },
    refresh: '30s',
    timezone: 'browser',
    links: [
      {
        title: 'Open in the Stormwatch app',
        type: 'link',
        url: `${PLUGIN_BASE_URL}/${route}`,
        icon: 'external link',
        tooltip: '',
        tags: [],
        asDropdown: false,
        includeVars: true,
        keepTime: true,
        targetBlank: false,
      },
    ],
    templating: { list: variables(usesTempo) },
    annotations: { list: [] },
    panels,
  };
}

const stat = (title: string, description: string, q: QuerySpec, unit: string, redFrom?: number): PanelSpec => ({
  type: 'stat',
  title,
  description,
  queries: [{ ...q, instant: true }],
  w: 3,
  h: 4,
  unit,
  redFrom,
  options: {
    // Instant queries have no history to draw.
    graphMode: 'none',
    colorMode: 'value',
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
  },
});

const timeseries = (
  title: string,
  description: string,
  queries: readonly QuerySpec[],
  unit: string,
  w: number,
  extra: Partial<PanelSpec> = {}
): PanelSpec => ({ type: 'timeseries', title, description, queries, w, h: 8, unit, ...extra });

const traceTable = (title: string, description: string, id: string): PanelSpec => ({
  type: 'table',
  title,
  description,
  queries: [{ id, params: FILTERS }],
  w: 12,
  h: 9,
});

/** The eight headline figures, totals over the selected services and models. */
function headline(): PanelSpec[] {
  return [
    stat('Calls/s', 'Logical calls per second (5 m rate).', { id: 'callsPerSecond', params: TOTAL }, 'reqps'),
    stat(
      'Attempts/s',
      'HTTP attempts per second, retries included (5 m rate).',
      { id: 'attemptsPerSecond', params: TOTAL },
      'reqps'
    ),
    stat(
      'Retry amplification',
      'Attempts per logical call; 1.0 means no retries. Red above the retry-storm threshold.',
      { id: 'retryAmplification', params: TOTAL },
      'x',
      DEFAULT_STORM_THRESHOLDS.amplification
    ),
    stat(
      'Overload ratio',
      'Share of attempts answered 529 overloaded_error: the API, not our retries. Red above the overload threshold.',
      { id: 'overloadRatio', params: TOTAL },
      'percentunit',
      DEFAULT_STORM_THRESHOLDS.overloadRatio
    ),
    stat(
      'Success ratio',
      'Share of calls that succeeded, directly or on a fallback model.',
      { id: 'successRatio', params: TOTAL },
      'percentunit'
    ),
    stat(
      'Breakers open',
      'Circuit breakers open or half-open now.',
      { id: 'breakersOpen', params: FILTERS },
      'short',
      1
    ),
    stat(
      'Wasted USD/h',
      'USD per hour spent on attempts whose answer was not used.',
      { id: 'wastedUsdPerHour', params: TOTAL },
      'currencyUSD'
    ),
    stat(
      'Waste share',
      'Wasted / total cost over the time range.',
      { id: 'wasteShare', params: { ...TOTAL, range: '$__range' } },
      'percentunit'
    ),
  ];
}

function overview(): Dashboard {
  return dashboard(
    'Stormwatch overview',
    'Is there a retry storm, which services and models, is it our retries or the API, and what it costs.',
    ROUTES.Overview,
    [
      headline(),
      [
        timeseries(
          'Retry amplification',
          'Attempts per logical call by service and model.',
          [{ id: 'retryAmplification', params: FILTERS, legend: SERVICE_MODEL }],
          'x',
          12,
          {
            redFrom: DEFAULT_STORM_THRESHOLDS.amplification,
          }
        ),
        timeseries(
          'Overload ratio (529)',
          'Share of attempts answered overloaded_error by service and model.',
          [{ id: 'overloadRatio', params: FILTERS, legend: SERVICE_MODEL }],
          'percentunit',
          12,
          {
            redFrom: DEFAULT_STORM_THRESHOLDS.overloadRatio,
          }
        ),
      ],
      [
        timeseries(
          'Calls and attempts/s',
          'Logical calls against HTTP attempts; the gap is retries.',
          [
            { id: 'callsPerSecond', params: FILTERS, legend: `calls ${SERVICE_MODEL}` },
            { id: 'attemptsPerSecond', params: FILTERS, legend: `attempts ${SERVICE_MODEL}` },
          ],
          'reqps',
          8
        ),
        timeseries(
          'Wasted USD/h',
          'Wasted burn rate by service and model.',
          [{ id: 'wastedUsdPerHour', params: FILTERS, legend: SERVICE_MODEL }],
          'currencyUSD',
          8
        ),
        timeseries(
          'Failed after retries /min',
          'Calls that failed although their error was retryable (retry exhaustion).',
          [{ id: 'retryExhaustionPerMinute', params: FILTERS, legend: SERVICE_MODEL }],
          'short',
          8
        ),
      ],
      [
        timeseries(
          'Retry waves',
          'Retries and first attempts per second on a 30 s window: regular spikes mean synchronized retries, a smooth band jittered ones.',
          [
            { id: 'retryWaves', params: { ...FILTERS, by: [] }, legend: 'retries' },
            { id: 'firstAttemptWaves', params: { ...FILTERS, by: [] }, legend: 'first attempts' },
          ],
          'reqps',
          24,
          { interval: '5s' }
        ),
      ],
      [
        timeseries(
          'Calls/s by outcome',
          'What callers see: success, fallback_success, failed, deferred, rejected.',
          [{ id: 'callsByOutcome', params: { ...FILTERS, by: [] }, legend: legend(LABEL.CALL_OUTCOME) }],
          'reqps',
          12
        ),
        timeseries(
          'Failed attempts/s by error',
          'overloaded_error and rate_limit_error come from the API; circuit_open, budget_exhausted and deadline_exceeded are the policy refusing.',
          [{ id: 'attemptsByError', params: { ...FILTERS, by: [] }, legend: legend(LABEL.ERROR_TYPE) }],
          'reqps',
          12
        ),
      ],
      [
        traceTable(
          'Calls with the most attempts',
          'Stormwatch calls that needed more than one attempt; open a row to see its trace.',
          'callsWithMostAttempts'
        ),
        traceTable('Failed after retries', 'Calls that failed although they were retried.', 'failedAfterRetries'),
      ],
    ]
  );
}

/** A third of a row: useful and wasted USD over the time range, by one label. */
function costBars(title: string, what: string, label: string): PanelSpec {
  return {
    type: 'bargauge',
    title,
    description: `Useful and wasted USD over the time range by ${what}.`,
    queries: [
      {
        id: 'costUsd',
        params: { ...FILTERS, by: [label], range: '$__range' },
        legend: legend(label, LABEL.COST_KIND),
        instant: true,
      },
    ],
    w: 8,
    h: 8,
    unit: 'currencyUSD',
    options: {
      displayMode: 'gradient',
      orientation: 'horizontal',
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    },
  };
}

function cost(): Dashboard {
  const byKind = legend(LABEL.COST_KIND);
  return dashboard(
    'Stormwatch cost',
    'Useful against wasted cost by model, service and policy, wasted tokens by kind, and the policies that drive the waste.',
    ROUTES.Cost,
    [
      [
        {
          ...stat('Wasted USD/h', 'Wasted burn rate now.', { id: 'wastedUsdPerHour', params: TOTAL }, 'currencyUSD'),
          w: 6,
        },
        {
          ...stat(
            'Waste share',
            'Wasted / total cost over the time range.',
            { id: 'wasteShare', params: { ...TOTAL, range: '$__range' } },
            'percentunit'
          ),
          w: 6,
        },
        {
          ...stat(
            'USD over the range',
            'USD spent over the time range, useful and wasted.',
            { id: 'costUsd', params: { ...TOTAL, range: '$__range' }, legend: byKind },
            'currencyUSD'
          ),
          w: 12,
        },
      ],
      [
        costBars('USD by model', 'model', LABEL.MODEL),
        costBars('USD by service', 'service', LABEL.SERVICE),
        costBars('USD by policy', 'retry policy', LABEL.POLICY),
      ],
      [
        timeseries(
          'Wasted USD/h',
          'Wasted burn rate by service and model.',
          [{ id: 'wastedUsdPerHour', params: FILTERS, legend: SERVICE_MODEL }],
          'currencyUSD',
          12
        ),
        timeseries(
          'Wasted tokens/s by kind',
          'Tokens resent by retries and tokens billed for answers never used, by token type.',
          [
            {
              id: 'wastedTokensByKind',
              params: { ...FILTERS, range: '$__rate_interval' },
              legend: legend(LABEL.WASTE_KIND, LABEL.TOKEN_TYPE),
            },
          ],
          'short',
          12
        ),
      ],
      [
        timeseries(
          'Retry amplification by policy',
          'Attempts per call by retry policy: which policy multiplies the spend.',
          [{ id: 'retryAmplification', params: { ...FILTERS, by: [LABEL.POLICY] }, legend: legend(LABEL.POLICY) }],
          'x',
          24,
          { redFrom: DEFAULT_STORM_THRESHOLDS.amplification }
        ),
      ],
    ]
  );
}

function breakers(): Dashboard {
  return dashboard(
    'Stormwatch breakers and fallbacks',
    'Circuit breaker state per key, its transitions, and the fallbacks from model to model with their reasons.',
    ROUTES.Breakers,
    [
      [
        {
          type: 'state-timeline',
          title: 'Breaker state',
          description: 'State of each circuit breaker over time.',
          queries: [{ id: 'breakerStateTimeline', params: FILTERS, legend: legend(LABEL.SERVICE, LABEL.BREAKER_KEY) }],
          w: 18,
          h: 8,
          mappings: [
            {
              type: MappingType.ValueToText,
              options: {
                '0': { text: 'closed', color: 'green', index: 0 },
                '1': { text: 'open', color: 'red', index: 1 },
                '2': { text: 'half-open', color: 'orange', index: 2 },
              },
            },
          ],
          options: { showValue: 'never', mergeValues: true, rowHeight: 0.9 },
        },
        {
          ...stat(
            'Breakers open',
            'Circuit breakers open or half-open now.',
            { id: 'breakersOpen', params: FILTERS },
            'short',
            1
          ),
          w: 6,
          h: 8,
        },
      ],
      [
        {
          type: 'table',
          title: 'Breaker transitions',
          description: 'Transitions over the time range by breaker key, from and to state.',
          queries: [
            { id: 'breakerTransitions', params: { ...FILTERS, range: '$__range' }, instant: true, format: 'table' },
          ],
          hideColumns: ['Time'],
          w: 12,
          h: 8,
          unit: 'short',
        },
        {
          type: 'table',
          title: 'Fallbacks',
          description: 'Fallbacks over the time range from model to model, and why.',
          queries: [{ id: 'fallbacks', params: { ...FILTERS, range: '$__range' }, instant: true, format: 'table' }],
          hideColumns: ['Time'],
          w: 12,
          h: 8,
          unit: 'short',
        },
      ],
      [
        {
          ...traceTable(
            'Calls that fell back',
            'Calls that succeeded only on a fallback model; open a row to see its trace.',
            'fellBack'
          ),
          w: 24,
        },
      ],
    ]
  );
}

function storms(): Dashboard {
  return dashboard(
    'Stormwatch storms',
    'The inputs of storm detection against their thresholds, the retry waves that show whether retries are synchronized, admission control, the shared overload store, and the waits between attempts.',
    ROUTES.Storms,
    [
      [
        timeseries(
          'Retry amplification (storm input)',
          'Worst policy per service and model; a storm when above the red line (the retry-storm threshold).',
          [{ id: 'stormAmplification', params: FILTERS, legend: SERVICE_MODEL }],
          'x',
          12,
          { redFrom: DEFAULT_STORM_THRESHOLDS.amplification }
        ),
        timeseries(
          'Overload ratio (storm input)',
          'Share of attempts answered 529 per service and model; the API is overloaded above the red line.',
          [{ id: 'stormOverloadRatio', params: FILTERS, legend: SERVICE_MODEL }],
          'percentunit',
          12,
          { redFrom: DEFAULT_STORM_THRESHOLDS.overloadRatio }
        ),
      ],
      [
        timeseries(
          'Admitted rate vs 529s',
          'Attempts answered overloaded_error (529) per second, against the rate admission control sends calls of the model at (learned from its 529s; no line while the model is calm). Admission halves its rate at each wave of 529s and doubles it every 10 s without.',
          [
            { id: 'stormOverloadedPerSecond', params: FILTERS, legend: `529 ${SERVICE_MODEL}` },
            { id: 'admittedRate', params: FILTERS, legend: `admitted ${SERVICE_MODEL}` },
          ],
          'reqps',
          12
        ),
        timeseries(
          'Wasted USD/h',
          'Wasted burn rate per service and model.',
          [{ id: 'stormWastedUsdPerHour', params: FILTERS, legend: SERVICE_MODEL }],
          'currencyUSD',
          12
        ),
      ],
      [
        timeseries(
          'Retry waves',
          'Retries per second on a 30 s window at a 5 s step: regular spikes mean synchronized retries (no jitter, a shared Retry-After), a smooth band jittered ones.',
          [
            { id: 'retryWaves', params: FILTERS, legend: `retries ${SERVICE_MODEL}` },
            { id: 'firstAttemptWaves', params: { ...FILTERS, by: [] }, legend: 'first attempts' },
          ],
          'reqps',
          24,
          { interval: '5s' }
        ),
      ],
      [
        timeseries(
          'Calls waiting for admission',
          "Calls in each model's admission queue, over the service's instances and policies.",
          [{ id: 'admissionQueueDepth', params: FILTERS, legend: SERVICE_MODEL }],
          'short',
          8
        ),
        timeseries(
          'Admission wait p95',
          'How long admitted calls waited for their model (95th percentile over 5 minutes, worst policy).',
          [{ id: 'admissionWaitP95', params: FILTERS, legend: SERVICE_MODEL }],
          's',
          8
        ),
        timeseries(
          'Refused by admission/s',
          'deadline: its turn would have come too late; queue_full: too many calls waiting; long_wait: sent to its fallback model rather than wait.',
          [{ id: 'admissionRefusalsByReason', params: { ...FILTERS, by: [] }, legend: legend(LABEL.REFUSAL_REASON) }],
          'reqps',
          8
        ),
      ],
      [
        timeseries(
          'Overload store: instances answering locally',
          'Instances of each service whose shared overload store (Redis) is not sharing: they admit and pace calls on their own, not as one fleet. 0 when every instance shares; no line for a service without a shared store. Alert: StormwatchStoreNotSharing.',
          [{ id: 'storeInstancesLocal', params: FILTERS, legend: legend(LABEL.SERVICE) }],
          'short',
          8
        ),
        timeseries(
          'Overload store: local answers/s',
          "Store operations answered from the instance's own state because Redis could not be used. connection: no connection; timeout: no answer within timeoutMs; error_reply: Redis answered an error; malformed_reply: an answer the store never expects.",
          [{ id: 'storeLocalAnswersByReason', params: FILTERS, legend: legend(LABEL.SERVICE, LABEL.STORE_REASON) }],
          'ops',
          8
        ),
        timeseries(
          'Overload store: rejected operations/s',
          'Store operations that rejected (a closed or broken store; calls go on as if the store were calm). A Redis store that is down answers locally instead.',
          [
            {
              id: 'storeErrorsByOperation',
              params: FILTERS,
              legend: `${SERVICE_MODEL} · ${legend(LABEL.STORE_OPERATION)}`,
            },
          ],
          'ops',
          8
        ),
      ],
      [
        {
          type: 'heatmap',
          title: 'Waits between attempts',
          description: 'Distribution of the backoff waits over time: one band means every client waits the same.',
          queries: [
            {
              id: 'retryDelayBuckets',
              params: { ...FILTERS, range: '$__rate_interval' },
              legend: legend(LABEL.LE),
              format: 'heatmap',
            },
          ],
          w: 12,
          h: 8,
          unit: 's',
          options: { calculate: false, yAxis: { unit: 's' }, cellGap: 1, color: { scheme: 'Oranges', mode: 'scheme' } },
        },
        timeseries(
          'Waits/s by what chose them',
          'Waits chosen by the Retry-After header against the policy backoff.',
          [
            {
              id: 'retryDelayBySource',
              params: { ...FILTERS, range: '$__rate_interval' },
              legend: legend(LABEL.DELAY_SOURCE),
            },
          ],
          'reqps',
          12
        ),
      ],
      [
        traceTable(
          'Longest backoffs',
          'Backoff waits of the selected calls; open a row to see the call.',
          'longestBackoffs'
        ),
        traceTable(
          'Recent calls',
          'The latest Stormwatch calls of the selected services and models, whatever their outcome; empty when Tempo has no Stormwatch traces.',
          'anyCalls'
        ),
      ],
    ]
  );
}

/** The bundled dashboards by file name (relative to `src/dashboards/`). */
export function generateDashboards(): Record<string, Dashboard> {
  return {
    'overview.json': overview(),
    'cost.json': cost(),
    'breakers.json': breakers(),
    'storms.json': storms(),
  };
}

/** A dashboard as committed: two-space JSON and a final newline. */
export function serializeDashboard(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
