import { act } from '@testing-library/react';
import { FieldType, createDataFrame, type DataFrame, type DataQueryRequest } from '@grafana/data';
import { SceneDataLayerSet, SceneQueryRunner, VizPanel, sceneGraph, type EmbeddedScene } from '@grafana/scenes';
import { DEFAULT_STORM_THRESHOLDS } from '@stormwatch/queries';
import { activateFullSceneTree } from '../test/activateFullSceneTree';
import { PROM_UID, TEMPO_UID, installFakeGrafana } from '../test/fakeGrafana';
import { STORM_REF } from '../transforms/detectStormsInFrames';
import type { ResolvedSettings } from '../settings';
import { overviewScene } from './overviewScene';
import { StormAnnotationsLayer } from './StormAnnotationsLayer';
import { stormsScene } from './stormsScene';

const settings: ResolvedSettings = {
  prometheusDatasourceUid: PROM_UID,
  tempoDatasourceUid: TEMPO_UID,
  stormThresholds: DEFAULT_STORM_THRESHOLDS,
};
const STEP = 15_000;
const T0 = 1_700_000_000_000;

function frame(refId: string, values: number[]) {
  return createDataFrame({
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: values.map((_, i) => T0 + i * STEP) },
      { name: 'Value', type: FieldType.number, values, labels: { job: 'checkout', gen_ai_request_model: 'm' } },
    ],
  });
}

/** The storm queries' answers: a storm of 6 steps (90 s) when `storm`, calm otherwise. */
function respond(storm: boolean) {
  const values: Record<string, number[]> = storm
    ? {
        [STORM_REF.AMPLIFICATION]: [1, 4, 4, 4, 4, 4, 4, 1],
        [STORM_REF.OVERLOAD_RATIO]: [0, 0.5, 0.6, 0.5, 0.5, 0.5, 0.5, 0],
        [STORM_REF.OVERLOADED]: [0, 1, 1, 1, 1, 1, 1, 0],
        [STORM_REF.WASTED]: [0, 36, 36, 36, 36, 36, 36, 0],
      }
    : {
        [STORM_REF.AMPLIFICATION]: [1, 1.1, 1, 1, 1, 1, 1, 1],
        [STORM_REF.OVERLOAD_RATIO]: [0, 0.01, 0, 0, 0, 0, 0, 0],
        [STORM_REF.OVERLOADED]: [0, 0, 0, 0, 0, 0, 0, 0],
        [STORM_REF.WASTED]: [0, 0, 0, 0, 0, 0, 0, 0],
      };
  return (request: DataQueryRequest) => ({
    frames: request.targets.filter((t) => values[t.refId]).map((t) => frame(t.refId, values[t.refId]!)),
  });
}

async function flush() {
  for (let i = 0; i < 5; i++) {
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
  }
}

function layerOf(scene: EmbeddedScene): StormAnnotationsLayer {
  const set = scene.state.$data as SceneDataLayerSet;
  return set.state.layers.find((l) => l instanceof StormAnnotationsLayer) as StormAnnotationsLayer;
}

/** The annotation frame the layer publishes, read from the page's panels' query runner as Grafana's panels do. */
async function annotationsOnPanels(scene: EmbeddedScene): Promise<DataFrame[]> {
  const runner = sceneGraph.findObject(
    scene,
    (o) => o instanceof SceneQueryRunner && o.parent instanceof VizPanel
  ) as SceneQueryRunner;
  return runner.state.data?.annotations ?? [];
}

const column = (f: DataFrame, name: string) => f.fields.find((x) => x.name === name)?.values;

describe.each([
  ['Storms', stormsScene],
  ['Overview', overviewScene],
])('the %s page shades the storms detected in the browser', (_page, build) => {
  it('draws one region per storm, its cause and services in the title', async () => {
    installFakeGrafana(respond(true));
    const scene = build(settings);
    const deactivate = activateFullSceneTree(scene);
    await flush();
    expect(layerOf(scene)).toBeDefined();
    const storms = (await annotationsOnPanels(scene)).find((f) => f.name === 'storms');
    expect(storms).toBeDefined();
    expect(column(storms!, 'time')).toEqual([T0 + STEP]);
    expect(column(storms!, 'timeEnd')).toEqual([T0 + 7 * STEP]);
    expect(column(storms!, 'isRegion')).toEqual([true]);
    expect(column(storms!, 'title')).toEqual(['storm (both): checkout']);
    deactivate();
  });

  it('draws nothing when calm', async () => {
    installFakeGrafana(respond(false));
    const scene = build(settings);
    const deactivate = activateFullSceneTree(scene);
    await flush();
    // The layer ran (its storm queries answered) and found no storm.
    expect(layerOf(scene).state.$data.state.data?.series.length).toBe(4);
    const storms = (await annotationsOnPanels(scene)).find((f) => f.name === 'storms');
    expect(storms?.length ?? 0).toBe(0);
    deactivate();
  });
});
