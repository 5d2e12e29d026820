import { DataSourceVariable, QueryVariable, SceneVariableSet } from '@grafana/scenes';
import { LABEL, modelValuesSeries, serviceValuesSeries } from '@stormwatch/queries';
import { VAR_MODEL, VAR_PROMETHEUS, VAR_SERVICE, VAR_TEMPO } from '../constants';
import type { ResolvedSettings } from '../settings';
import { PROMETHEUS_REF } from './common';

/** `label_values(series, label)` of a Prometheus variable query. */
export function labelValuesQuery(series: string, label: string): string {
  return `label_values(${series}, ${label})`;
}

/**
 * The variables every page shares: the Prometheus and Tempo datasources (defaulting to
 * the configured uids), the services and the models (multi-value, All by default).
 */
export function createVariables(settings: ResolvedSettings): SceneVariableSet {
  return new SceneVariableSet({
    variables: [
      new DataSourceVariable({
        name: VAR_PROMETHEUS,
        label: 'Prometheus',
        pluginId: 'prometheus',
        ...(settings.prometheusDatasourceUid ? { value: settings.prometheusDatasourceUid } : {}),
      }),
      new DataSourceVariable({
        name: VAR_TEMPO,
        label: 'Tempo',
        pluginId: 'tempo',
        ...(settings.tempoDatasourceUid ? { value: settings.tempoDatasourceUid } : {}),
      }),
      new QueryVariable({
        name: VAR_SERVICE,
        label: 'Service',
        datasource: PROMETHEUS_REF,
        query: { refId: VAR_SERVICE, query: labelValuesQuery(serviceValuesSeries(), LABEL.SERVICE) },
        isMulti: true,
        includeAll: true,
        defaultToAll: true,
        allValue: '.*',
      }),
      new QueryVariable({
        name: VAR_MODEL,
        label: 'Model',
        datasource: PROMETHEUS_REF,
        query: {
          refId: VAR_MODEL,
          query: labelValuesQuery(modelValuesSeries({ service: { variable: VAR_SERVICE } }), LABEL.MODEL),
        },
        isMulti: true,
        includeAll: true,
        defaultToAll: true,
        allValue: '.*',
      }),
    ],
  });
}
