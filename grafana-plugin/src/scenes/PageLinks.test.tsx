import React from 'react';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { locationService } from '@grafana/runtime';
import { sceneGraph, type EmbeddedScene, type SceneObject } from '@grafana/scenes';
import { DEFAULT_STORM_THRESHOLDS } from '@stormwatch/queries';
import { ROUTES, VAR_MODEL, VAR_PROMETHEUS, VAR_SERVICE, VAR_TEMPO } from '../constants';
import { NAV, SHARED_URL_KEYS } from '../pages/nav';
import { createPages } from '../pages/pages';
import { activateFullSceneTree } from '../test/activateFullSceneTree';
import { PROM_UID, TEMPO_UID, installFakeGrafana } from '../test/fakeGrafana';
import type { ResolvedSettings } from '../settings';
import { PageLinks } from './PageLinks';

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

function linksOf(scene: SceneObject): PageLinks {
  return sceneGraph.findObject(scene, (o) => o instanceof PageLinks) as PageLinks;
}

const pages = createPages(settings);

describe('moving between pages keeps the time range and the variables', () => {
  it.each(pages.map((p) => [p.state.title, p] as const))(
    'the %s page links to every page with its state',
    async (_t, page) => {
      installFakeGrafana(() => ({ frames: [] }));
      const scene = page.state.getScene!({ path: '', url: '', params: {}, isExact: true }) as EmbeddedScene;
      // Its links live in the page's controls.
      const links = (scene.state.controls ?? []).find((c) => c instanceof PageLinks) as PageLinks;
      expect(links).toBeDefined();
      const deactivate = activateFullSceneTree(scene);
      await flush();
      await act(async () => {
        sceneGraph.getTimeRange(scene).setState({ from: 'now-6h', to: 'now-1h' });
        (
          sceneGraph.lookupVariable(VAR_SERVICE, scene) as unknown as { changeValueTo: (v: string[]) => void }
        ).changeValueTo(['checkout']);
      });
      await flush();
      for (const { route } of NAV) {
        const url = new URL(links.urlOf(route), 'http://grafana');
        expect(url.pathname).toBe(`/a/stormwatch-stormwatch-app/${route}`);
        expect({
          from: url.searchParams.get('from'),
          to: url.searchParams.get('to'),
          service: url.searchParams.getAll(`var-${VAR_SERVICE}`),
          model: url.searchParams.getAll(`var-${VAR_MODEL}`),
          prometheus: url.searchParams.get(`var-${VAR_PROMETHEUS}`),
          tempo: url.searchParams.get(`var-${VAR_TEMPO}`),
        }).toEqual({
          from: 'now-6h',
          to: 'now-1h',
          service: ['checkout'],
          model: ['$__all'],
          prometheus: PROM_UID,
          tempo: TEMPO_UID,
        });
      }
      deactivate();
    }
  );

  it('a click goes to the page with the state, and the scenes framework keeps the same keys', async () => {
    installFakeGrafana(() => ({ frames: [] }));
    const scene = pages[0].state.getScene!({ path: '', url: '', params: {}, isExact: true }) as EmbeddedScene;
    const deactivate = activateFullSceneTree(scene);
    await flush();
    await act(async () => sceneGraph.getTimeRange(scene).setState({ from: 'now-3h', to: 'now' }));
    const links = linksOf(scene);
    render(<links.Component model={links} />);
    fireEvent.click(within(screen.getByTestId('stormwatch-page-links')).getByText('Cost'));
    expect(locationService.getLocation().pathname).toBe(`/a/stormwatch-stormwatch-app/${ROUTES.Cost}`);
    expect(locationService.getSearchObject()).toMatchObject({ from: 'now-3h', to: 'now', 'var-service': '$__all' });
    for (const page of pages) {
      expect(page.state.preserveUrlKeys).toEqual(SHARED_URL_KEYS);
    }
    deactivate();
  });
});
