import {
  SceneControlsSpacer,
  SceneQueryRunner,
  SceneRefreshPicker,
  SceneTimePicker,
  SceneTimeRange,
  VariableValueSelectors,
  type SceneObject,
} from '@grafana/scenes';
import type { QueryParams } from '@stormwatch/queries';
import { VAR_MODEL, VAR_PROMETHEUS, VAR_SERVICE, VAR_TEMPO } from '../constants';
import { PageLinks } from './PageLinks';

/** The service and model filters of every page: the scene's template variables. */
export const FILTERS: QueryParams = Object.freeze({
  service: { variable: VAR_SERVICE },
  model: { variable: VAR_MODEL },
});

export const PROMETHEUS_REF = { type: 'prometheus', uid: `\${${VAR_PROMETHEUS}}` };
export const TEMPO_REF = { type: 'tempo', uid: `\${${VAR_TEMPO}}` };

/** One PromQL query of a panel. */
export interface PromTarget {
  refId: string;
  expr: string;
  legendFormat?: string;
  instant?: boolean;
  /** `heatmap` for histogram buckets by `le`; default time series. */
  format?: 'time_series' | 'table' | 'heatmap';
}

/** A query runner on the Prometheus variable's datasource. */
export function promRunner(targets: PromTarget[], options: { minInterval?: string; maxDataPoints?: number } = {}) {
  return new SceneQueryRunner({
    datasource: PROMETHEUS_REF,
    queries: targets.map((t) => ({
      refId: t.refId,
      expr: t.expr,
      legendFormat: t.legendFormat ?? '__auto',
      range: !t.instant,
      instant: Boolean(t.instant),
      ...(t.format ? { format: t.format } : {}),
    })),
    ...options,
  });
}

/** A query runner on the Tempo variable's datasource: one TraceQL search. */
export function tempoRunner(refId: string, query: string, limit = 50) {
  return new SceneQueryRunner({
    datasource: TEMPO_REF,
    queries: [{ refId, queryType: 'traceql', query, limit, spss: 3, tableType: 'traces' }],
  });
}

/** Time range of every page: last hour, synced with the URL (from/to) by the SceneApp. */
export function defaultTimeRange() {
  return new SceneTimeRange({ from: 'now-1h', to: 'now' });
}

/** Variable pickers, links to the other pages (keeping time range and variables), time picker and refresh picker. */
export function defaultControls(): SceneObject[] {
  return [
    new VariableValueSelectors({}),
    new PageLinks({}),
    new SceneControlsSpacer(),
    new SceneTimePicker({ isOnCanvas: true }),
    new SceneRefreshPicker({ intervals: ['10s', '30s', '1m', '5m'], isOnCanvas: true }),
  ];
}

/** Legend of per-service-and-model series. */
export const SERVICE_MODEL_LEGEND = '{{job}} · {{gen_ai_request_model}}';
