import type { PageSpec } from '../PageSpec';
import type { PageEnv } from '../panels';
import { breakersPage } from './breakers';
import { costPage } from './cost';
import { overviewPage } from './overview';
import { stormsPage } from './storms';

/** The pages that have a bundled dashboard, by the dashboard's file name (relative to `src/dashboards/`). */
export const DASHBOARD_PAGES: Readonly<Record<string, (env: PageEnv) => PageSpec>> = Object.freeze({
  'overview.json': overviewPage,
  'cost.json': () => costPage(),
  'breakers.json': breakersPage,
  'storms.json': stormsPage,
});
