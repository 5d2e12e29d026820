import { act } from '@testing-library/react';
import { VizPanel, sceneGraph, sceneUtils, type EmbeddedScene } from '@grafana/scenes';
import { DEFAULT_STORM_THRESHOLDS, LABEL } from '@stormwatch/queries';
import { PLUGIN_BASE_URL, ROUTES, VAR_MODEL, VAR_SERVICE } from '../constants';
import { POINT_WINDOW_MS } from '../spec/panels';
import { activateFullSceneTree } from '../test/activateFullSceneTree';
import { PROM_UID, TEMPO_UID, installFakeGrafana, requests } from '../test/fakeGrafana';
import type { ResolvedSettings } from '../settings';
import { costScene } from './costScene';
import { overviewScene } from './overviewScene';
import { tracesScene } from './tracesScene';

/**
 * The graphs with no exemplars to show (attempts per call, USD/h) link a point to the Traces
 * page: the link, filled in as Grafana fills it for a clicked point, opens the Traces page on
 * the window around that point, for the point's service and model or the page's filters.
 */

const settings: ResolvedSettings = {
  prometheusDatasourceUid: PROM_UID,
  tempoDatasourceUid: TEMPO_UID,
  stormThresholds: DEFAULT_STORM_THRESHOLDS,
};
const MODEL = 'claude-sonnet-4-5';
/** The clicked point's time. */
const T = Date.UTC(2026, 11, 6, 12, 0, 0);

async function flush() {
  for (let i = 0; i < 5; i++) {
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
  }
}

/** The links of a panel's every field, as built (the tests' stub panels drop field config once activated). */
function linksOf(scene: EmbeddedScene, title: string): Array<{ title: string; url: string }> {
  const panel = sceneGraph.findObject(scene, (o) => o instanceof VizPanel && o.state.title === title) as VizPanel;
  return (panel.state.fieldConfig.defaults.links ?? []) as Array<{ title: string; url: string }>;
}

/** A link's URL as Grafana fills it in for a point at T of the series `checkout` · MODEL. */
function fill(url: string): URL {
  const filled = url
    .replace(`\${__field.labels.${LABEL.SERVICE}}`, 'checkout')
    .replace(`\${__field.labels.${LABEL.MODEL}}`, MODEL)
    .replace('${__value.time}', String(T))
    .replace(`\${${VAR_SERVICE}:queryparam}`, `var-${VAR_SERVICE}=checkout&var-${VAR_SERVICE}=batch`)
    .replace(`\${${VAR_MODEL}:queryparam}`, `var-${VAR_MODEL}=${MODEL}`)
    .replace('${prometheus}', PROM_UID)
    .replace('${tempo}', TEMPO_UID);
  expect(filled).not.toContain('${');
  return new URL(filled, 'http://grafana.local');
}

/** The Traces page opened at `url` (Scenes reads the query string), with what it asked Tempo. */
async function openTraces(url: URL) {
  expect(url.pathname).toBe(`${PLUGIN_BASE_URL}/${ROUTES.Traces}`);
  requests.length = 0;
  installFakeGrafana(() => ({ frames: [] }));
  const scene = tracesScene(settings);
  sceneUtils.syncStateFromSearchParams(scene, url.searchParams);
  const deactivate = activateFullSceneTree(scene);
  await flush();
  const range = sceneGraph.getTimeRange(scene).state.value;
  const value = (name: string) => sceneGraph.lookupVariable(name, scene)?.getValue();
  const tempo = requests.filter((r) => r.targets.some((t) => t.datasource?.uid === TEMPO_UID));
  deactivate();
  return {
    from: range.from.valueOf(),
    to: range.to.valueOf(),
    service: value(VAR_SERVICE),
    model: value(VAR_MODEL),
    tempo,
  };
}

describe('a point of a graph without exemplars opens the Traces page around it', () => {
  it('attempts per call (Overview): that series’ service and model, the window around the point', async () => {
    const links = linksOf(overviewScene(settings), 'Attempts per call p95');
    expect(links.map((l) => l.title)).toEqual(['Calls with the most attempts']);
    const opened = await openTraces(fill(links[0]!.url));
    expect(opened).toMatchObject({
      from: T - POINT_WINDOW_MS / 2,
      to: T + POINT_WINDOW_MS / 2,
      service: ['checkout'],
      model: [MODEL],
    });
    // Every Tempo search of the page is over that window.
    expect(opened.tempo.length).toBeGreaterThan(0);
    for (const r of opened.tempo) {
      expect([r.range.from.valueOf(), r.range.to.valueOf()]).toEqual([
        T - POINT_WINDOW_MS / 2,
        T + POINT_WINDOW_MS / 2,
      ]);
    }
  });

  it('USD/h by kind (Cost): the page’s own filters, the window around the point', async () => {
    const links = linksOf(costScene(settings), 'USD/h by kind');
    expect(links.map((l) => l.title)).toEqual(['Calls of this spend']);
    const opened = await openTraces(fill(links[0]!.url));
    expect(opened).toMatchObject({
      from: T - POINT_WINDOW_MS / 2,
      to: T + POINT_WINDOW_MS / 2,
      service: ['checkout', 'batch'],
      model: [MODEL],
    });
  });
});
