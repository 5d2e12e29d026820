import { ROUTES } from '../constants';

/** The app's pages in navigation order: their route and title (the SceneAppPages and the page links share them). */
export const NAV: ReadonlyArray<{ readonly route: ROUTES; readonly title: string; readonly subTitle: string }> = [
  {
    route: ROUTES.Overview,
    title: 'Overview',
    subTitle: 'Is there a retry storm, where, and is it our retries or the API?',
  },
  {
    route: ROUTES.Storms,
    title: 'Storms',
    subTitle: 'When amplification or overload crossed the thresholds, and what it cost.',
  },
  {
    route: ROUTES.Cost,
    title: 'Cost',
    subTitle: 'Spend now and by the end of the day and month, and what retries waste.',
  },
  { route: ROUTES.Traces, title: 'Traces', subTitle: 'The worst calls, each opening its trace.' },
  {
    route: ROUTES.Breakers,
    title: 'Breakers & fallbacks',
    subTitle: 'Circuit breaker states, transitions, and fallbacks from model to model.',
  },
];

/** The URL keys every page shares: the time range, the refresh interval and the variables. */
export const SHARED_URL_KEYS: readonly string[] = [
  'from',
  'to',
  'refresh',
  'var-prometheus',
  'var-tempo',
  'var-service',
  'var-model',
];
