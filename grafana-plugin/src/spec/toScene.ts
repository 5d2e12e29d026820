import {
  SceneDataLayerSet,
  SceneDataTransformer,
  dataLayers,
  SceneFlexItem,
  SceneFlexLayout,
  SceneQueryRunner,
  SceneTimeRange,
  VizPanel,
  type SceneDataLayerProvider,
} from '@grafana/scenes';
import type { PageSpec, PanelSpec } from './PageSpec';
import {
  annotationOf,
  checkRowWidth,
  fieldConfigOf,
  optionsOf,
  panelDatasource,
  targetsOf,
  transformationsOf,
} from './render';

/** Height of a dashboard grid unit in pixels, as Grafana lays dashboards out. */
export const GRID_UNIT_PX = 30;

/** The key prefix of panels rendered from a spec (the agreement test finds them by it). */
export const SPEC_PANEL_KEY = 'spec:';

/**
 * A panel of a spec as a scene panel: the same plugin, title, description, targets, field
 * config, options and transformations the dashboard renderer writes.
 */
export function toVizPanel(spec: PanelSpec): VizPanel {
  const runner = new SceneQueryRunner({
    datasource: panelDatasource(spec),
    queries: targetsOf(spec) as never,
    ...(spec.interval ? { minInterval: spec.interval } : {}),
  });
  const transformations = transformationsOf(spec);
  return new VizPanel({
    key: `${SPEC_PANEL_KEY}${spec.title}`,
    pluginId: spec.type,
    title: spec.title,
    description: spec.description,
    options: optionsOf(spec),
    fieldConfig: fieldConfigOf(spec) as never,
    $data: transformations.length > 0 ? new SceneDataTransformer({ $data: runner, transformations }) : runner,
    // Projections read the time since the day or month began, whatever the page's range.
    ...(spec.timeFrom ? { $timeRange: new SceneTimeRange({ from: spec.timeFrom, to: 'now' }) } : {}),
  });
}

/** The rows of a page as flex items: each row as high as its highest panel, each panel as wide as its grid width. */
export function toSceneRows(page: PageSpec): SceneFlexItem[] {
  return page.rows.map((row) => {
    checkRowWidth(row);
    return new SceneFlexItem({
      height: Math.max(...row.map((p) => p.h)) * GRID_UNIT_PX,
      body: new SceneFlexLayout({
        direction: 'row',
        children: row.map(
          (spec) => new SceneFlexItem({ width: `${((spec.w / 24) * 100).toFixed(3)}%`, body: toVizPanel(spec) })
        ),
      }),
    });
  });
}

/**
 * The page's annotations as scene data layers (put on the page's scene: every panel's
 * query runner draws the events of the layers above it), then the app-only layers (the
 * storms detected in the browser), or undefined without any.
 */
export function toSceneAnnotations(
  page: PageSpec,
  appOnly: SceneDataLayerProvider[] = []
): SceneDataLayerSet | undefined {
  const layers: SceneDataLayerProvider[] = [
    ...(page.annotations ?? []).map((a) => {
      const query = annotationOf(a);
      return new dataLayers.AnnotationsDataLayer({ name: a.name, isEnabled: true, query: query as never });
    }),
    ...appOnly,
  ];
  return layers.length === 0 ? undefined : new SceneDataLayerSet({ layers });
}
