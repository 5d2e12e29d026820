import type { Dashboard } from '@grafana/schema';
import { DASHBOARD_ENV } from '../spec/panels';
import { DASHBOARD_PAGES } from '../spec/pages';
import { toDashboard } from '../spec/toDashboard';

export { DASHBOARD_TAG, SCHEMA_VERSION } from '../spec/toDashboard';

/**
 * The bundled dashboards (plugin.json `includes` of type `dashboard`), rendered from the
 * same page specs as the app's scenes (`src/spec/pages/`).
 *
 * Regenerate with `npm run dashboards`; a test checks that the committed JSON equals
 * {@link generateDashboards}' output, and another that each page's scene shows the same panels.
 */
export function generateDashboards(): Record<string, Dashboard> {
  return Object.fromEntries(
    Object.entries(DASHBOARD_PAGES).map(([file, page]) => [file, toDashboard(page(DASHBOARD_ENV))])
  );
}

/** A dashboard as committed: two-space JSON and a final newline. */
export function serializeDashboard(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
