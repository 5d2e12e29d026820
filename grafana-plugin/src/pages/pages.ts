import { SceneAppPage, type EmbeddedScene, type SceneAppPageLike, type SceneRouteMatch } from '@grafana/scenes';
import { ROUTES, SERVICE_DRILLDOWN } from '../constants';
import { breakersScene } from '../scenes/breakersScene';
import { costScene } from '../scenes/costScene';
import { overviewScene } from '../scenes/overviewScene';
import { serviceScene } from '../scenes/serviceScene';
import { stormDetailScene } from '../scenes/stormDetailScene';
import { stormsScene } from '../scenes/stormsScene';
import { tracesScene } from '../scenes/tracesScene';
import type { ResolvedSettings } from '../settings';
import { prefixRoute } from '../utils/routing';
import { NAV, SHARED_URL_KEYS } from './nav';

const SCENES: Record<ROUTES, (settings: ResolvedSettings) => EmbeddedScene> = {
  [ROUTES.Overview]: overviewScene,
  [ROUTES.Storms]: stormsScene,
  [ROUTES.Cost]: costScene,
  [ROUTES.Traces]: tracesScene,
  [ROUTES.Breakers]: breakersScene,
};

/**
 * The app's pages, in navigation order. Each keeps the shared URL keys (time range,
 * refresh, datasources, service and model) when the scenes framework links between pages
 * and drill-downs; the pages' own links (PageLinks) carry them too.
 */
export function createPages(settings: ResolvedSettings): SceneAppPage[] {
  return NAV.map(({ route, title, subTitle }) => {
    const url = prefixRoute(route);
    return new SceneAppPage({
      title,
      subTitle,
      url,
      routePath: route === ROUTES.Storms || route === ROUTES.Overview ? `${route}/*` : route,
      preserveUrlKeys: [...SHARED_URL_KEYS],
      getScene: () => SCENES[route](settings),
      ...(route === ROUTES.Storms
        ? {
            drilldowns: [
              {
                routePath: 'storm',
                getPage: (_match: SceneRouteMatch, parent: SceneAppPageLike) =>
                  new SceneAppPage({
                    title: 'Storm',
                    subTitle: 'Services, models, retry waves and the worst calls of one storm.',
                    url: `${url}/storm`,
                    routePath: 'storm',
                    getParentPage: () => parent,
                    preserveUrlKeys: [...SHARED_URL_KEYS],
                    getScene: () => stormDetailScene(settings),
                  }),
              },
            ],
          }
        : {}),
      ...(route === ROUTES.Overview
        ? {
            drilldowns: [
              {
                routePath: SERVICE_DRILLDOWN,
                getPage: (_match: SceneRouteMatch, parent: SceneAppPageLike) =>
                  new SceneAppPage({
                    title: 'Service',
                    subTitle: 'One service: its models’ state, alerts, retries, cost, breakers and worst calls.',
                    url: `${url}/${SERVICE_DRILLDOWN}`,
                    routePath: SERVICE_DRILLDOWN,
                    getParentPage: () => parent,
                    preserveUrlKeys: [...SHARED_URL_KEYS],
                    getScene: () => serviceScene(settings),
                  }),
              },
            ],
          }
        : {}),
    });
  });
}
