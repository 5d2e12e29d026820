import { DASHBOARD_ENV } from './panels';
import { breakersPage } from './pages/breakers';
import { costPage } from './pages/cost';
import { overviewPage } from './pages/overview';
import { stormsPage } from './pages/storms';
import type { PageSpec } from './PageSpec';

/** The catalogue screenshots (plugin.json `info.screenshots`): one layout per page, by file name under `img/screenshots/`. */
export const SCREENSHOTS: ReadonlyArray<{
  readonly name: string;
  readonly file: string;
  readonly page: () => PageSpec;
}> = [
  { name: 'Overview: verdict first (layout)', file: 'overview.png', page: () => overviewPage(DASHBOARD_ENV) },
  { name: 'Cost: rates, projections, previous period (layout)', file: 'cost.png', page: () => costPage() },
  {
    name: 'Storms: detection inputs, waves, admission (layout)',
    file: 'storms.png',
    page: () => stormsPage(DASHBOARD_ENV),
  },
  { name: 'Breakers and fallbacks (layout)', file: 'breakers.png', page: () => breakersPage(DASHBOARD_ENV) },
];

/** Where the screenshots live, relative to `src/` (and to the plugin's dist). */
export const SCREENSHOT_DIR = 'img/screenshots';
