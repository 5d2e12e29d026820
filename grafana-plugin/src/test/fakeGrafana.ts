import {
  LoadingState,
  type DataQueryRequest,
  type DataSourceApi,
  type DataSourceInstanceSettings,
  type PanelData,
  getDefaultTimeRange,
  type DataFrame,
  type ScopedVars,
  PanelPlugin,
} from '@grafana/data';
import { sceneGraph, type SceneObject } from '@grafana/scenes';
import { setDataSourceSrv, setPluginImportUtils, setRunRequest } from '@grafana/runtime';
import { of, type Observable } from 'rxjs';

export const PROM_UID = 'prom-uid';
export const TEMPO_UID = 'tempo-uid';

function instance(uid: string, type: string, name: string): DataSourceInstanceSettings {
  return {
    uid,
    type,
    name,
    id: uid.length,
    meta: {
      id: type,
      name: type,
      type: 'datasource',
      info: { logos: { small: '', large: '' } } as never,
      module: '',
      baseUrl: '',
    },
    access: 'proxy',
    readOnly: false,
    jsonData: {},
  } as unknown as DataSourceInstanceSettings;
}

/** Responds to a request: frames for it, or an error message. */
export type Responder = (request: DataQueryRequest) => { frames?: DataFrame[]; error?: string };

/** Every request the scenes sent, with the interpolated-by-scenes targets. */
export const requests: DataQueryRequest[] = [];

/** Label values the service and model variables list. */
export const variableValues: Record<string, string[]> = {
  job: ['checkout', 'batch'],
  gen_ai_request_model: ['claude-sonnet-4-5'],
};

/**
 * Installs a fake DataSourceSrv (a Prometheus and a Tempo datasource, or those given)
 * and a fake runRequest answering with `respond`.
 */
export function installFakeGrafana(
  respond: Responder,
  datasources: DataSourceInstanceSettings[] = [
    instance(PROM_UID, 'prometheus', 'Prom'),
    instance(TEMPO_UID, 'tempo', 'Tempo'),
  ]
) {
  requests.length = 0;
  installPanelPlugins();
  setDataSourceSrvAndRunRequest(respond, datasources);
  return { datasources };
}

let panelPluginsInstalled = false;
/** Panel plugins as empty stubs; Grafana allows setting them once per process. */
function installPanelPlugins() {
  if (panelPluginsInstalled) {
    return;
  }
  panelPluginsInstalled = true;
  setPluginImportUtils({
    importPanelPlugin: async (id: string) => {
      const plugin = new PanelPlugin(() => null);
      plugin.meta = { id, name: id, type: 'panel', info: {} as never, module: '', baseUrl: '' } as never;
      return plugin;
    },
    getPanelPluginFromCache: () => undefined,
  });
}

function setDataSourceSrvAndRunRequest(respond: Responder, datasources: DataSourceInstanceSettings[]) {
  const api = (settings: DataSourceInstanceSettings) =>
    ({
      uid: settings.uid,
      type: settings.type,
      name: settings.name,
      meta: settings.meta,
      getRef: () => ({ uid: settings.uid, type: settings.type }),
      query: () => of({ data: [] }),
      metricFindQuery: async (query: string) => {
        const label = /,\s*([A-Za-z_][A-Za-z0-9_]*)\)\s*$/.exec(query)?.[1] ?? '';
        return (variableValues[label] ?? []).map((text) => ({ text, value: text }));
      },
    }) as unknown as DataSourceApi;
  const find = (ref: unknown, scopedVars?: ScopedVars) => {
    let uid = typeof ref === 'string' ? ref : (ref as { uid?: string } | null | undefined)?.uid;
    // As Grafana's DatasourceSrv does: the uid may be a variable of the calling scene.
    const sceneObject = scopedVars?.__sceneObject?.value as SceneObject | undefined;
    if (uid && uid.includes('$') && sceneObject) {
      uid = sceneGraph.interpolate(sceneObject, uid);
    }
    return (
      datasources.find((d) => d.uid === uid || d.name === uid) ??
      (uid === undefined || uid === 'default' ? datasources[0] : undefined)
    );
  };
  setDataSourceSrv({
    get: async (ref: unknown, scopedVars?: ScopedVars) => {
      const found = find(ref, scopedVars);
      if (!found) {
        throw new Error(`Datasource ${JSON.stringify(ref)} was not found`);
      }
      return api(found);
    },
    getInstanceSettings: (ref: unknown, scopedVars?: ScopedVars) => find(ref, scopedVars),
    getList: (filters: { type?: string | string[]; pluginId?: string } = {}) =>
      datasources.filter((d) => {
        const type = filters.pluginId ?? filters.type;
        return !type || (Array.isArray(type) ? type.includes(d.type) : d.type === type);
      }),
    reload: () => {},
    registerRuntimeDataSource: () => {},
  } as never);
  setRunRequest((_ds: DataSourceApi, request: DataQueryRequest): Observable<PanelData> => {
    requests.push(request);
    const answer = respond(request);
    return of({
      state: answer.error ? LoadingState.Error : LoadingState.Done,
      series: answer.frames ?? [],
      errors: answer.error ? [{ message: answer.error }] : undefined,
      timeRange: request.range ?? getDefaultTimeRange(),
      request,
    });
  });
}

export { instance as datasourceInstance };
