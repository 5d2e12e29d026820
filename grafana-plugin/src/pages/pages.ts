import { SceneAppPage, type SceneAppPageLike, type SceneRouteMatch } from '@grafana/scenes';
import { ROUTES } from '../constants';
import { breakersScene } from '../scenes/breakersScene';
import { costScene } from '../scenes/costScene';
import { overviewScene } from '../scenes/overviewScene';
import { stormDetailScene } from '../scenes/stormDetailScene';
import { stormsScene } from '../scenes/stormsScene';
import { tracesScene } from '../scenes/tracesScene';
import type { ResolvedSettings } from '../settings';
import { prefixRoute } from '../utils/routing';

/** The app's pages, in navigation order. */
export function createPages(settings: ResolvedSettings): SceneAppPage[] {
  const storms = prefixRoute(ROUTES.Storms);
  return [
    new SceneAppPage({
      title: 'Overview',
      subTitle: 'Is there a retry storm, where, and is it our retries or the API?',
      url: prefixRoute(ROUTES.Overview),
      routePath: ROUTES.Overview,
      getScene: () => overviewScene(settings),
    }),
    new SceneAppPage({
      title: 'Storms',
      subTitle: 'When amplification or overload crossed the thresholds, and what it cost.',
      url: storms,
      routePath: `${ROUTES.Storms}/*`,
      getScene: () => stormsScene(settings),
      drilldowns: [
        {
          routePath: 'storm',
          getPage: (_match: SceneRouteMatch, parent: SceneAppPageLike) =>
            new SceneAppPage({
              title: 'Storm',
              subTitle: 'Services, models, retry waves and the worst calls of one storm.',
              url: `${storms}/storm`,
              routePath: 'storm',
              getParentPage: () => parent,
              getScene: () => stormDetailScene(settings),
            }),
        },
      ],
    }),
    new SceneAppPage({
      title: 'Cost',
      subTitle: 'Useful against wasted spend, and the tokens retries resend.',
      url: prefixRoute(ROUTES.Cost),
      routePath: ROUTES.Cost,
      getScene: () => costScene(settings),
    }),
    new SceneAppPage({
      title: 'Traces',
      subTitle: 'The worst calls, each opening its trace.',
      url: prefixRoute(ROUTES.Traces),
      routePath: ROUTES.Traces,
      getScene: () => tracesScene(settings),
    }),
    new SceneAppPage({
      title: 'Breakers & fallbacks',
      subTitle: 'Circuit breaker states, transitions, and fallbacks from model to model.',
      url: prefixRoute(ROUTES.Breakers),
      routePath: ROUTES.Breakers,
      getScene: () => breakersScene(settings),
    }),
  ];
}
