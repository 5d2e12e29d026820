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

/** The project's repository (docs, runbooks). */
export const REPOSITORY_URL = 'https://github.com/stormwatch/stormwatch';

/** Where the empty states send users who have no Stormwatch telemetry yet. */
export const QUICK_START_URL = `${REPOSITORY_URL}#quick-start`;

/** Where the runbooks live: `<RUNBOOKS_URL>/<alertname>.md` (the alerts' `runbook_url`, docs/runbooks/ of the repository). */
export const RUNBOOKS_URL = `${REPOSITORY_URL}/blob/main/docs/runbooks`;

/** Grafana's Traces Drilldown app; rows of the Traces page also open there when it is installed. */
export const TRACES_DRILLDOWN_APP_ID = 'grafana-exploretraces-app';

/** Template variable names shared by every scene and the bundled dashboards. */
export const VAR_PROMETHEUS = 'prometheus';
export const VAR_TEMPO = 'tempo';
export const VAR_SERVICE = 'service';
export const VAR_MODEL = 'model';
