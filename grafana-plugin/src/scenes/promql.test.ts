import { DataSourceVariable, QueryVariable, SceneQueryRunner, sceneGraph, type SceneObject } from '@grafana/scenes';
import { DEFAULT_STORM_THRESHOLDS } from '@stormwatch/queries';
import { ALL, SEVERAL, interpolate, labelValuesSelector, promtoolCheck } from '../checks/promtool';
import type { ResolvedSettings } from '../settings';
import { breakersScene } from './breakersScene';
import { costScene } from './costScene';
import { overviewScene } from './overviewScene';
import { stormDetailScene } from './stormDetailScene';
import { stormsScene } from './stormsScene';
import { tracesScene } from './tracesScene';
import { serviceScene } from './serviceScene';

const settings: ResolvedSettings = { stormThresholds: DEFAULT_STORM_THRESHOLDS };
const scenes: Record<string, SceneObject> = {
  overview: overviewScene(settings),
  storms: stormsScene(settings),
  stormDetail: stormDetailScene(settings),
  cost: costScene(settings),
  traces: tracesScene(settings),
  breakers: breakersScene(settings),
  service: serviceScene(settings),
};

function promExprs(scene: SceneObject): string[] {
  const runners = sceneGraph.findAllObjects(scene, (o) => o instanceof SceneQueryRunner) as SceneQueryRunner[];
  return runners.flatMap((r) => {
    const type = (r.state.datasource as { type?: string } | undefined)?.type;
    return r.state.queries
      .filter((q) => (q.datasource?.type ?? type) === 'prometheus' && typeof q.expr === 'string')
      .map((q) => String(q.expr));
  });
}

function variableSelectors(scene: SceneObject): string[] {
  const variables = sceneGraph.findAllObjects(scene, (o) => o instanceof QueryVariable) as QueryVariable[];
  return variables.map((v) => {
    const query = v.state.query as string | { query: string };
    return labelValuesSelector(typeof query === 'string' ? query : query.query);
  });
}

describe('scene PromQL, as Grafana sends it', () => {
  it.each(Object.keys(scenes))('the %s page has the Prometheus, Tempo, service and model variables', (name) => {
    const scene = scenes[name];
    expect(variableSelectors(scene).length).toBe(2);
    expect(
      (sceneGraph.findAllObjects(scene, (o) => o instanceof DataSourceVariable) as DataSourceVariable[]).length
    ).toBe(2);
  });

  it.each(Object.keys(scenes).filter((name) => name !== 'traces'))('the %s page queries Prometheus', (name) => {
    expect(promExprs(scenes[name]).length).toBeGreaterThan(0);
  });

  it.each([
    ['every service and model (All)', ALL],
    ['several of each', SEVERAL],
  ])('every page parses with Prometheus own parser for %s', (_name, selection) => {
    const exprs = Object.values(scenes)
      .flatMap((s) => [...promExprs(s), ...variableSelectors(s)])
      .map((e) => interpolate(e, selection));
    // Left alone by Grafana: a label_replace group reference ("$1") is no variable.
    expect(exprs.filter((e) => e.replace(/"\$\d+"/g, '""').includes('$'))).toEqual([]);
    const { ok, output } = promtoolCheck(exprs);
    expect({ ok, output: ok ? '' : output }).toEqual({ ok: true, output: '' });
    expect(output).toContain(`SUCCESS: ${exprs.length} rules found`);
  });
});
