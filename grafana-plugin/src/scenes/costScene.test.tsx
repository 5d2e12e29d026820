import { act } from '@testing-library/react';
import { FieldType, createDataFrame, dateMath, type DataQueryRequest } from '@grafana/data';
import { VizPanel, sceneGraph } from '@grafana/scenes';
import { DEFAULT_STORM_THRESHOLDS, LABEL } from '@stormwatch/queries';
import { activateFullSceneTree } from '../test/activateFullSceneTree';
import { PROM_UID, TEMPO_UID, installFakeGrafana, requests } from '../test/fakeGrafana';
import type { ResolvedSettings } from '../settings';
import { costScene } from './costScene';

const settings: ResolvedSettings = {
  prometheusDatasourceUid: PROM_UID,
  tempoDatasourceUid: TEMPO_UID,
  stormThresholds: DEFAULT_STORM_THRESHOLDS,
};

async function flush() {
  for (let i = 0; i < 5; i++) {
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
  }
}

const usd = (refId: string, value: number) =>
  createDataFrame({
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: [1] },
      { name: 'Value', type: FieldType.number, values: [value], labels: { [LABEL.COST_KIND]: 'useful' } },
    ],
  });

const requestOf = (refId: string): DataQueryRequest => {
  const found = requests.find((r) => r.targets.some((t) => t.refId === refId));
  if (!found) {
    throw new Error(`no request for ${refId}`);
  }
  return found;
};

describe('the Cost page with a daily budget', () => {
  const thresholdsOf = (scene: ReturnType<typeof costScene>, title: string) => {
    const panel = sceneGraph.findObject(scene, (o) => o instanceof VizPanel && o.state.title === title) as VizPanel;
    return panel.state.fieldConfig.defaults.thresholds?.steps;
  };
  const red = (value: number) => [
    { color: 'green', value: null },
    { color: 'red', value },
  ];

  it('turns red above the budget: per day, today, and a 24th of it per hour (a line on the graph)', () => {
    const scene = costScene({ ...settings, dailyBudgetUsd: 240 });
    expect(thresholdsOf(scene, 'USD/day at this rate')).toEqual(red(240));
    expect(thresholdsOf(scene, 'Projected USD today')).toEqual(red(240));
    expect(thresholdsOf(scene, 'USD/h now')).toEqual(red(10));
    expect(thresholdsOf(scene, 'USD/h by kind')).toEqual(red(10));
  });

  it('has no budget line without a budget', () => {
    const scene = costScene(settings);
    expect(thresholdsOf(scene, 'USD/day at this rate')).toEqual([{ color: 'green', value: null }]);
    expect(thresholdsOf(scene, 'USD/h by kind')).toEqual([{ color: 'green', value: null }]);
  });
});

describe('the Cost page', () => {
  it('projects the day and the month over their own range, the rest over the page’s', async () => {
    installFakeGrafana((r) => ({ frames: r.targets.map((t) => usd(t.refId, 1)) }));
    const deactivate = activateFullSceneTree(costScene(settings));
    await flush();
    const startOf = (unit: 'd' | 'M') => dateMath.toDateTime(`now/${unit}`, {})!.valueOf();
    expect(requestOf('costProjectionDay').range.from.valueOf()).toBe(startOf('d'));
    expect(requestOf('costProjectionMonth').range.from.valueOf()).toBe(startOf('M'));
    // The comparison and the rates follow the page's time picker (last hour).
    const hour = requestOf('costUsdPreviousPeriod').range;
    expect(hour.to.valueOf() - hour.from.valueOf()).toBe(3600_000);
    expect(requestOf('costUsd').targets.map((t) => t.refId)).toContain('costUsdPreviousPeriod');
    deactivate();
  });

  it('asks for no exemplars (the library’s cost series carry none), and links the USD/h graph to the traces of the same filters', async () => {
    installFakeGrafana((r) => ({ frames: r.targets.map((t) => usd(t.refId, 1)) }));
    const scene = costScene(settings);
    // As built (the tests' stub panel plugins drop field config once activated).
    const graph = sceneGraph.findObject(
      scene,
      (o) => o instanceof VizPanel && o.state.title === 'USD/h by kind'
    ) as VizPanel;
    const links = graph.state.fieldConfig.defaults.links;
    const deactivate = activateFullSceneTree(scene);
    await flush();
    const targets = requests.flatMap((r) => r.targets as Array<{ refId: string; exemplar?: boolean }>);
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((t) => t.exemplar)).toEqual([]);
    expect(links).toEqual([
      {
        title: 'Calls of this spend',
        url: '/a/stormwatch-stormwatch-app/traces?${service:queryparam}&${model:queryparam}&time=${__value.time}&time.window=600000&var-prometheus=${prometheus}&var-tempo=${tempo}',
      },
    ]);
    deactivate();
  });
});
