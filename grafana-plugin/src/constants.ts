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

/** Where the empty states send users who have no Stormwatch telemetry yet. */
export const QUICK_START_URL = 'https://github.com/stormwatch/stormwatch#quick-start';

/** Grafana's Traces Drilldown app; rows of the Traces page also open there when it is installed. */
export const TRACES_DRILLDOWN_APP_ID = 'grafana-exploretraces-app';

/** Template variable names shared by every scene and the bundled dashboards. */
export const VAR_PROMETHEUS = 'prometheus';
export const VAR_TEMPO = 'tempo';
export const VAR_SERVICE = 'service';
export const VAR_MODEL = 'model';
