import { PLUGIN_BASE_URL, VAR_PROMETHEUS, VAR_TEMPO } from '../constants';
import { SHARED_URL_KEYS } from '../pages/nav';

/**
 * The keys remembered: the shared ones but the datasources. A remembered datasource would
 * outlive a change on the Configuration page (or the datasource itself) in the tab; a page
 * opened bare takes the configured one, as on first opening.
 */
export const REMEMBERED_URL_KEYS: readonly string[] = SHARED_URL_KEYS.filter(
  (key) => key !== `var-${VAR_PROMETHEUS}` && key !== `var-${VAR_TEMPO}`
);

/** A location as Grafana's history gives it. */
export interface LocationLike {
  readonly pathname: string;
  readonly search: string;
  readonly hash: string;
}

/** The part of Grafana's history (`locationService.getHistory()`) this module uses. */
export interface HistoryLike {
  readonly location: LocationLike;
  listen(listener: (location: LocationLike) => void): () => void;
  replace(to: { pathname: string; search: string; hash?: string }): void;
}

/** Where the last shared state is kept: per browser tab, like the page's own URL. */
export const SHARED_STATE_STORAGE_KEY = 'grafana.stormwatch.sharedUrlState';

/** The remembered keys (time range, refresh, service and model) of a query string. */
export function sharedParams(search: string): URLSearchParams {
  const all = new URLSearchParams(search);
  const shared = new URLSearchParams();
  for (const key of REMEMBERED_URL_KEYS) {
    for (const value of all.getAll(key)) {
      shared.append(key, value);
    }
  }
  return shared;
}

/**
 * Grafana's side menu opens the app's pages (plugin.json `includes`) at fixed paths, with
 * no query string: plugin.json has no way to make a menu entry carry the current URL's.
 * This keeps the app's pages together anyway: it remembers the time range, refresh and
 * filters ({@link REMEMBERED_URL_KEYS}) of the last app page seen, and when an app page
 * opens with none of them (a side-menu click, a bare bookmark), it replaces the URL with
 * the remembered ones before the page reads it. A URL
 * that carries any of them is left as it is (a shared link shows what it says). The
 * datasources do not count: a URL that names only them (a link from a dashboard) keeps
 * them and gets the remembered time range and filters beside them.
 * Returns the function that stops listening.
 */
export function keepSharedUrlState(history: HistoryLike, storage: Pick<Storage, 'getItem' | 'setItem'>): () => void {
  const onLocation = (location: LocationLike) => {
    if (location.pathname !== PLUGIN_BASE_URL && !location.pathname.startsWith(`${PLUGIN_BASE_URL}/`)) {
      return;
    }
    const shared = sharedParams(location.search);
    if ([...shared.keys()].length > 0) {
      storage.setItem(SHARED_STATE_STORAGE_KEY, shared.toString());
      return;
    }
    const remembered = storage.getItem(SHARED_STATE_STORAGE_KEY);
    if (!remembered) {
      return;
    }
    const search = new URLSearchParams(location.search);
    sharedParams(remembered).forEach((value, key) => search.append(key, value));
    history.replace({ pathname: location.pathname, search: `?${search.toString()}`, hash: location.hash });
  };
  onLocation(history.location);
  return history.listen(onLocation);
}
