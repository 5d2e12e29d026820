import { lastValueFrom } from 'rxjs';
import type { BackendSrv } from '@grafana/runtime';
import { VAR_PROMETHEUS, VAR_TEMPO } from '../constants';
import type { ResolvedSettings } from '../settings';
import { DASHBOARD_ENV } from '../spec/panels';
import { DASHBOARD_PAGES } from '../spec/pages';
import { dashboardUid } from '../spec/toDashboard';

/** The part of a dashboard this module reads and writes. */
export interface DashboardWithVariables {
  uid?: string;
  templating?: { list?: Array<{ name?: string; type?: string; current?: unknown; [key: string]: unknown }> };
  [key: string]: unknown;
}

/** Which setting each bundled dashboard's datasource variable defaults to. */
export const DATASOURCE_VARIABLE_SETTINGS = {
  [VAR_PROMETHEUS]: 'prometheusDatasourceUid',
  [VAR_TEMPO]: 'tempoDatasourceUid',
} as const satisfies Record<string, keyof ResolvedSettings>;

/** The uids of the bundled dashboards (`stormwatch-<page>`), from the page specs. */
export function bundledDashboardUids(): string[] {
  return Object.values(DASHBOARD_PAGES).map((page) => dashboardUid(page(DASHBOARD_ENV)));
}

/**
 * A copy of `dashboard` whose `prometheus` and `tempo` datasource variables default to the
 * datasources chosen on the Configuration page. A variable whose datasource is not set
 * keeps its default (Grafana's default datasource of that type).
 */
export function withDatasourceDefaults<T extends DashboardWithVariables>(dashboard: T, settings: ResolvedSettings): T {
  const list = dashboard.templating?.list;
  if (!list) {
    return dashboard;
  }
  return {
    ...dashboard,
    templating: {
      ...dashboard.templating,
      list: list.map((variable) => {
        const key = DATASOURCE_VARIABLE_SETTINGS[variable.name as keyof typeof DATASOURCE_VARIABLE_SETTINGS];
        const uid = key && variable.type === 'datasource' ? settings[key] : undefined;
        return uid ? { ...variable, current: { text: uid, value: uid } } : variable;
      }),
    },
  };
}

/** What {@link applyDatasourceDefaults} did. */
export interface DatasourceDefaultsResult {
  /** Dashboards saved with the configured datasources as their defaults. */
  updated: string[];
  /** Bundled dashboards not imported in this Grafana (nothing to update). */
  notImported: string[];
}

/**
 * Saves every imported bundled dashboard with its datasource variables defaulting to the
 * configured datasources (Grafana's dashboard JSON cannot read the app's settings, so the
 * Configuration page writes them in when it saves). Dashboards not imported are skipped.
 * @throws the request's error for anything but a 404 when reading, and for any failed save.
 */
export async function applyDatasourceDefaults(
  settings: ResolvedSettings,
  backend: Pick<BackendSrv, 'fetch'>
): Promise<DatasourceDefaultsResult> {
  const result: DatasourceDefaultsResult = { updated: [], notImported: [] };
  if (!settings.prometheusDatasourceUid && !settings.tempoDatasourceUid) {
    return result;
  }
  for (const uid of bundledDashboardUids()) {
    let found: { dashboard: DashboardWithVariables; meta?: { folderUid?: string } };
    try {
      const response = await lastValueFrom(
        backend.fetch<typeof found>({ url: `/api/dashboards/uid/${uid}`, method: 'GET', showErrorAlert: false })
      );
      found = response.data;
    } catch (e) {
      if ((e as { status?: number }).status === 404) {
        result.notImported.push(uid);
        continue;
      }
      throw e;
    }
    await lastValueFrom(
      backend.fetch({
        url: '/api/dashboards/db',
        method: 'POST',
        data: {
          dashboard: withDatasourceDefaults(found.dashboard, settings),
          folderUid: found.meta?.folderUid,
          overwrite: true,
          message: 'Stormwatch: datasource defaults from the app configuration',
        },
      })
    );
    result.updated.push(uid);
  }
  return result;
}
