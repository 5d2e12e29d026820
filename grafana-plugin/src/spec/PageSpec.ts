import type { ValueMapping } from '@grafana/schema';
import type { QueryParams } from '@stormwatch/queries';
import type { ROUTES } from '../constants';

/**
 * One page of the app as data: its panels, their queries, thresholds, units and links. The
 * same spec renders to the page's scene ({@link ./toScene}) and to its bundled dashboard
 * ({@link ./toDashboard}), so the two cannot drift; `agreement.test.tsx` renders both and
 * compares them panel by panel.
 */

/** One query of a panel: an id of `ALL_QUERIES` or `WATCH_QUERIES` (also its refId) and its parameters. */
export interface QuerySpec {
  readonly id: string;
  readonly params: QueryParams;
  readonly legend?: string;
  /** One value at the end of the range instead of a series. */
  readonly instant?: boolean;
  /** Prometheus result format: `table` (one row per series) or `heatmap` (buckets by `le`). */
  readonly format?: 'table' | 'heatmap';
  /**
   * Ask Prometheus for the series' exemplars (points that open their trace). Only series
   * that carry exemplars: the collector's span metrics (the OpenTelemetry JS SDK records
   * none on the library's own metrics, and recording rules keep none).
   */
  readonly exemplar?: boolean;
  /**
   * Neither drawn nor listed in the legend or tooltip (a series whose only use here is its
   * exemplars). Grafana still draws an exemplar whose labels match a visible series, in that
   * series' colour.
   */
  readonly hidden?: boolean;
}

/** One threshold step: its colour from `value` on (`null`: the base colour). */
export interface ThresholdStep {
  readonly color: string;
  readonly value: number | null;
}

/** Data links on the cells of one field (`field`: its name), or of every field (`field: '*'`). */
export interface FieldLinks {
  readonly field: string;
  readonly links: ReadonlyArray<{ readonly title: string; readonly url: string }>;
}

/** A panel before layout. */
export interface PanelSpec {
  readonly type: 'stat' | 'timeseries' | 'bargauge' | 'table' | 'state-timeline' | 'heatmap';
  readonly title: string;
  readonly description: string;
  readonly queries: readonly QuerySpec[];
  /** Width and height in dashboard grid units (24 columns; a unit is 30 px high). */
  readonly w: number;
  readonly h: number;
  readonly unit?: string;
  /** Threshold steps, base first; default green only. Built from ALERT_THRESHOLDS where an alert exists. */
  readonly thresholds?: readonly ThresholdStep[];
  /** Minimum step (`interval`) of the panel's queries. */
  readonly interval?: string;
  readonly mappings?: ValueMapping[];
  readonly options?: Record<string, unknown>;
  /** Columns a table hides (the time column of instant queries, for instance). */
  readonly hideColumns?: readonly string[];
  /** Rows sorted by a field, after converting it to a number (Tempo returns attributes as strings). */
  readonly sortBy?: { readonly field: string; readonly desc: boolean };
  readonly links?: readonly FieldLinks[];
  /** The panel's own time range, from the start of the day or month to now (projections). */
  readonly timeFrom?: 'now/d' | 'now/M';
}

/** Events drawn on the page's time series: one Prometheus query whose samples are the events. */
export interface AnnotationSpec {
  readonly name: string;
  readonly query: QuerySpec;
  /** A comparison appended to the query (`> 0`: only the steps where something happened). */
  readonly filter?: string;
  readonly iconColor: string;
  /** Title and text of each event, with `{{label}}` placeholders. */
  readonly titleFormat: string;
  readonly textFormat?: string;
  /** Labels shown as the event's tags, comma-separated. */
  readonly tagKeys?: string;
  /** The sample's value is the event's time in epoch ms (incidents' start), not the sample's time. */
  readonly useValueForTime?: boolean;
  /** Query step. Default 60s. */
  readonly step?: string;
}

/** A page: a title, its route, its annotations and its rows of panels, top to bottom. */
export interface PageSpec {
  readonly title: string;
  readonly description: string;
  /** The page's route, below the app's URL (`overview`, `overview/service`). */
  readonly route: ROUTES | `${ROUTES}/${string}`;
  readonly rows: ReadonlyArray<readonly PanelSpec[]>;
  readonly annotations?: readonly AnnotationSpec[];
}

/** Green, then red from `value` on. */
export function redFrom(value: number): readonly ThresholdStep[] {
  return [
    { color: 'green', value: null },
    { color: 'red', value },
  ];
}
