import {
  DashboardCursorSync,
  VariableHide,
  VariableRefresh,
  VariableSort,
  type Dashboard,
  type Panel,
  type VariableModel,
} from '@grafana/schema';
import { LABEL, modelValuesSeries, serviceValuesSeries } from '@stormwatch/queries';
import { PLUGIN_BASE_URL, VAR_MODEL, VAR_PROMETHEUS, VAR_SERVICE, VAR_TEMPO } from '../constants';
import type { PageSpec, PanelSpec } from './PageSpec';
import {
  PROMETHEUS,
  TEMPO,
  annotationOf,
  checkRowWidth,
  fieldConfigOf,
  optionsOf,
  panelDatasource,
  targetsOf,
  transformationsOf,
} from './render';

/** Dashboard JSON schema version written (the one of @grafana/schema 13.1). */
export const SCHEMA_VERSION = 42;

/** The tag every bundled dashboard carries. */
export const DASHBOARD_TAG = 'stormwatch';

/**
 * The stable uid of a page's dashboard (`stormwatch-<route>`): links and bookmarks to a
 * bundled dashboard survive re-imports and upgrades.
 */
export function dashboardUid(page: PageSpec): string {
  return `${DASHBOARD_TAG}-${page.route}`;
}

function panel(spec: PanelSpec, id: number, x: number, y: number): Panel {
  const transformations = transformationsOf(spec);
  return {
    id,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    datasource: panelDatasource(spec),
    gridPos: { x, y, w: spec.w, h: spec.h },
    ...(spec.interval ? { interval: spec.interval } : {}),
    ...(spec.timeFrom ? { timeFrom: spec.timeFrom } : {}),
    targets: targetsOf(spec),
    fieldConfig: fieldConfigOf(spec),
    options: optionsOf(spec),
    ...(transformations.length > 0 ? { transformations } : {}),
  } as Panel;
}

/** Lays rows of panels out on the 24-column grid, top to bottom, numbering panels from 1. */
function layout(rows: ReadonlyArray<readonly PanelSpec[]>): Panel[] {
  const panels: Panel[] = [];
  let y = 0;
  for (const row of rows) {
    checkRowWidth(row);
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

/**
 * The bundled dashboard of a page: every panel reads the datasource of a datasource
 * variable (`${prometheus}`, `${tempo}`), so no datasource uid is written; its own uid is
 * stable ({@link dashboardUid}); a link opens the
 * same view in the app, variables and time range kept.
 */
export function toDashboard(page: PageSpec): Dashboard {
  const panels = layout(page.rows);
  const usesTempo = panels.some((p) => p.datasource?.uid === TEMPO.uid);
  return {
    uid: dashboardUid(page),
    title: page.title,
    description: page.description,
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
        url: `${PLUGIN_BASE_URL}/${page.route}`,
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
    annotations: { list: (page.annotations ?? []).map(annotationOf) as never },
    panels,
  };
}
