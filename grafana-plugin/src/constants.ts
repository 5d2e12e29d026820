import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${PLUGIN_ID}`;

export enum ROUTES {
  Overview = 'overview',
  Storms = 'storms',
  Cost = 'cost',
  Traces = 'traces',
  Breakers = 'breakers',
}

/** The drill-down of one service under the Overview (`overview/service?var-service=…`). */
export const SERVICE_DRILLDOWN = 'service';

/**
 * Where the empty states send users who have no Stormwatch telemetry yet: the app's page in
 * Grafana's plugin catalogue, which shows the README packaged with the app (requirements,
 * install, pages). A page of every Grafana that has the app, so the link always resolves;
 * the project has no public repository to link to yet.
 */
export const QUICK_START_URL = `/plugins/${PLUGIN_ID}`;

/**
 * Where the runbooks are served: `<RUNBOOKS_URL>/<alertname>.md`. The build copies the
 * repository's docs/runbooks/ into the package (webpack.config.ts), and Grafana serves a
 * plugin's files under `public/plugins/<id>/`.
 */
export const RUNBOOKS_URL = `/public/plugins/${PLUGIN_ID}/runbooks`;

/** Grafana's Traces Drilldown app; rows of the Traces page also open there when it is installed. */
export const TRACES_DRILLDOWN_APP_ID = 'grafana-exploretraces-app';

/** Template variable names shared by every scene and the bundled dashboards. */
export const VAR_PROMETHEUS = 'prometheus';
export const VAR_TEMPO = 'tempo';
export const VAR_SERVICE = 'service';
export const VAR_MODEL = 'model';
