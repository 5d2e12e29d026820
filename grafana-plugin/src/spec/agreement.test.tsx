import type { Dashboard, Panel } from '@grafana/schema';
import {
  SceneDataLayerSet,
  SceneDataTransformer,
  dataLayers,
  SceneQueryRunner,
  SceneTimeRange,
  VizPanel,
  sceneGraph,
  type EmbeddedScene,
} from '@grafana/scenes';
import { DEFAULT_STORM_THRESHOLDS } from '@stormwatch/queries';
import { readFileSync } from 'fs';
import path from 'path';
import { breakersScene } from '../scenes/breakersScene';
import { costScene } from '../scenes/costScene';
import { OVERVIEW_APP_ONLY, overviewScene } from '../scenes/overviewScene';
import { STORMS_APP_ONLY, stormsScene } from '../scenes/stormsScene';
import type { ResolvedSettings } from '../settings';
import { SPEC_PANEL_KEY } from './toScene';
import { toDashboard } from './toDashboard';
import type { PageSpec } from './PageSpec';

/**
 * One source per page: each page's scene shows exactly the panels of its bundled dashboard
 * (same plugin, title, description, queries, field config with thresholds, units, mappings
 * and links, options, transformations, interval and own time range) as its committed
 * dashboard JSON, in the same order, plus the app-only panels it declares. The JSON is
 * generated from the same specs by `npm run dashboards`.
 */

const settings: ResolvedSettings = { stormThresholds: DEFAULT_STORM_THRESHOLDS };
/** The committed dashboard JSON, as Grafana installs it. */
const committed = (file: string): Dashboard =>
  JSON.parse(readFileSync(path.join(__dirname, '..', 'dashboards', file), 'utf8'));

const PAGES: Array<[string, () => EmbeddedScene, readonly string[]]> = [
  ['overview.json', () => overviewScene(settings), OVERVIEW_APP_ONLY],
  ['cost.json', () => costScene(settings), []],
  ['breakers.json', () => breakersScene(settings), []],
  ['storms.json', () => stormsScene(settings), STORMS_APP_ONLY],
];

const strip = (t: Record<string, unknown>) => {
  const { datasource: _ds, ...rest } = t;
  return rest;
};

/** What a dashboard panel shows, without its place on the grid. */
function ofDashboard(p: Panel) {
  return {
    type: p.type,
    title: p.title,
    description: p.description,
    datasource: p.datasource,
    targets: (p.targets ?? []).map((t) => strip(t as Record<string, unknown>)),
    fieldConfig: p.fieldConfig,
    options: p.options,
    transformations: p.transformations ?? [],
    interval: p.interval,
    timeFrom: p.timeFrom,
  };
}

/** The same of a scene panel. */
function ofScene(panel: VizPanel) {
  const data = panel.state.$data;
  const runner = (data instanceof SceneDataTransformer ? data.state.$data : data) as SceneQueryRunner;
  const timeRange = panel.state.$timeRange;
  return {
    type: panel.state.pluginId,
    title: panel.state.title,
    description: panel.state.description,
    datasource: runner.state.datasource,
    targets: runner.state.queries.map((t) => strip(t as Record<string, unknown>)),
    fieldConfig: panel.state.fieldConfig,
    options: panel.state.options,
    transformations: data instanceof SceneDataTransformer ? data.state.transformations : [],
    interval: runner.state.minInterval,
    timeFrom: timeRange instanceof SceneTimeRange ? timeRange.state.from : undefined,
  };
}

describe.each(PAGES)('the page of %s', (file, build, appOnly) => {
  const scene = build();
  const panels = sceneGraph.findAllObjects(scene, (o) => o instanceof VizPanel) as VizPanel[];
  const fromSpec = panels.filter((p) => p.state.key?.startsWith(SPEC_PANEL_KEY));
  const dashboard = committed(file);

  it('shows the panels of its dashboard, in order, with the same queries, thresholds, units and links', () => {
    expect(fromSpec.map(ofScene)).toEqual(((dashboard.panels ?? []) as Panel[]).map(ofDashboard));
  });

  it('draws the annotations of its dashboard', () => {
    const layers = scene.state.$data instanceof SceneDataLayerSet ? scene.state.$data.state.layers : [];
    // Query layers only: the storms detected in the browser are the app's own.
    const queries = layers
      .filter((l) => l instanceof dataLayers.AnnotationsDataLayer)
      .map((l) => (l as InstanceType<typeof dataLayers.AnnotationsDataLayer>).state.query);
    expect(queries).toEqual(dashboard.annotations?.list ?? []);
  });

  it('has no other panel than the app-only ones it declares', () => {
    expect(panels.filter((p) => !fromSpec.includes(p)).map((p) => p.state.title)).toEqual(appOnly);
  });
});

describe('the agreement check', () => {
  it('sees a panel that differs between the scene and the dashboard', () => {
    const page: PageSpec = {
      title: 't',
      description: 'd',
      route: 'overview' as PageSpec['route'],
      rows: [
        [
          {
            type: 'stat',
            title: 'Calls/s',
            description: 'x',
            queries: [{ id: 'callsPerSecond', params: {} }],
            w: 3,
            h: 4,
            unit: 'reqps',
          },
        ],
      ],
    };
    const panel = toDashboard(page).panels![0] as Panel;
    const scene = overviewScene(settings);
    const calls = (sceneGraph.findAllObjects(scene, (o) => o instanceof VizPanel) as VizPanel[]).find(
      (p) => p.state.title === 'Calls/s'
    )!;
    // Same title and query id, but the overview's stat is instant, filtered and described otherwise.
    expect(ofScene(calls)).not.toEqual(ofDashboard(panel));
  });
});
