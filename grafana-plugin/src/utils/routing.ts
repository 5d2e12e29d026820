import { PLUGIN_BASE_URL } from '../constants';

/** Prefixes a route with the app's base URL (`/a/stormwatch-stormwatch-app/<route>`). */
export function prefixRoute(route: string): string {
  return `${PLUGIN_BASE_URL}/${route}`;
}
