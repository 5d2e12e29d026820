import { readFileSync } from 'fs';
import path from 'path';
import { of, throwError } from 'rxjs';
import type { BackendSrvRequest, FetchResponse } from '@grafana/runtime';
import pluginJson from '../plugin.json';
import { resolveSettings } from '../settings';
import {
  applyDatasourceDefaults,
  bundledDashboardUids,
  withDatasourceDefaults,
  type DashboardWithVariables,
} from './datasourceDefaults';

const committed = pluginJson.includes
  .filter((i) => i.type === 'dashboard')
  .map((i) => JSON.parse(readFileSync(path.join(__dirname, '..', i.path!), 'utf8')) as DashboardWithVariables);
const datasourceVariables = (d: DashboardWithVariables) =>
  (d.templating?.list ?? [])
    .filter((v) => v.type === 'datasource')
    .map((v): [string, unknown] => [String(v.name), v.current]);
const CONFIGURED: Record<string, string> = { prometheus: 'prom-a', tempo: 'tempo-b' };
/** The dashboard's datasource variables (the Cost page has no Tempo one) defaulting to CONFIGURED. */
const configuredVariables = (d: DashboardWithVariables) =>
  datasourceVariables(d).map(([name]) => [name, { text: CONFIGURED[name], value: CONFIGURED[name] }]);

describe('withDatasourceDefaults', () => {
  it.each(committed.map((d) => [d.uid, d]))(
    '%s: its datasource variables default to the configured uids, the rest unchanged',
    (_uid, dashboard) => {
      const settings = resolveSettings({ prometheusDatasourceUid: 'prom-a', tempoDatasourceUid: 'tempo-b' });
      const result = withDatasourceDefaults(dashboard, settings);
      expect(datasourceVariables(result).map(([name]) => name)).toContain('prometheus');
      expect(datasourceVariables(result)).toEqual(configuredVariables(dashboard));
      const others = (d: DashboardWithVariables) => (d.templating?.list ?? []).filter((v) => v.type !== 'datasource');
      expect(others(result)).toEqual(others(dashboard));
      expect({ ...result, templating: undefined }).toEqual({ ...dashboard, templating: undefined });
    }
  );

  it("keeps Grafana's default for a datasource that is not configured", () => {
    const result = withDatasourceDefaults(committed[0], resolveSettings({ tempoDatasourceUid: 'tempo-b' }));
    expect(datasourceVariables(result)).toEqual([
      ['prometheus', { text: '', value: '' }],
      ['tempo', { text: 'tempo-b', value: 'tempo-b' }],
    ]);
  });

  it('names the committed dashboards by the uids it updates', () => {
    expect(bundledDashboardUids().sort()).toEqual(committed.map((d) => d.uid).sort());
  });
});

/** A Grafana HTTP API holding `stored` dashboards by uid; records every request. */
function fakeBackend(stored: Record<string, DashboardWithVariables>, failSave?: { status: number; message: string }) {
  const requests: BackendSrvRequest[] = [];
  const fetch = <T>(request: BackendSrvRequest) => {
    requests.push(request);
    const uid = /^\/api\/dashboards\/uid\/(.+)$/.exec(request.url)?.[1];
    if (request.method === 'GET' && uid) {
      return stored[uid]
        ? of({ data: { dashboard: stored[uid], meta: { folderUid: 'ops' } }, status: 200 } as FetchResponse<T>)
        : throwError(() => ({ status: 404, data: { message: 'Dashboard not found' } }));
    }
    if (request.method === 'POST' && request.url === '/api/dashboards/db') {
      if (failSave) {
        return throwError(() => ({ status: failSave.status, data: { message: failSave.message } }));
      }
      const body = request.data as { dashboard: DashboardWithVariables };
      stored[body.dashboard.uid!] = body.dashboard;
      return of({ data: {}, status: 200 } as FetchResponse<T>);
    }
    return throwError(() => ({ status: 400, data: { message: `unexpected ${request.method} ${request.url}` } }));
  };
  return { fetch, requests, stored };
}

describe('applyDatasourceDefaults', () => {
  const settings = resolveSettings({ prometheusDatasourceUid: 'prom-a', tempoDatasourceUid: 'tempo-b' });

  it('saves every imported bundled dashboard with the configured datasources, in its folder, and skips the others', async () => {
    const [overview, cost] = committed;
    const backend = fakeBackend({ [overview.uid!]: overview, [cost.uid!]: cost });

    const result = await applyDatasourceDefaults(settings, backend);

    expect(result.updated.sort()).toEqual([overview.uid, cost.uid].sort());
    expect(result.notImported.sort()).toEqual(
      committed
        .slice(2)
        .map((d) => d.uid)
        .sort()
    );
    for (const uid of result.updated) {
      expect(datasourceVariables(backend.stored[uid])).toEqual(configuredVariables(backend.stored[uid]));
      expect(backend.stored[uid]).not.toEqual(committed.find((d) => d.uid === uid));
    }
    const saves = backend.requests.filter((r) => r.method === 'POST');
    expect(saves.map((r) => ({ ...(r.data as object), dashboard: undefined }))).toEqual(
      result.updated.map(() => ({
        dashboard: undefined,
        folderUid: 'ops',
        overwrite: true,
        message: 'Stormwatch: datasource defaults from the app configuration',
      }))
    );
  });

  it('asks nothing when no datasource is configured', async () => {
    const backend = fakeBackend({ [committed[0].uid!]: committed[0] });
    expect(await applyDatasourceDefaults(resolveSettings({}), backend)).toEqual({ updated: [], notImported: [] });
    expect(backend.requests).toEqual([]);
  });

  it('fails with the save error when Grafana refuses to save', async () => {
    const backend = fakeBackend({ [committed[0].uid!]: committed[0] }, { status: 403, message: 'Access denied' });
    await expect(applyDatasourceDefaults(settings, backend)).rejects.toEqual({
      status: 403,
      data: { message: 'Access denied' },
    });
  });
});
