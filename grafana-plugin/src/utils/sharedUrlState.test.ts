import { locationService } from '@grafana/runtime';
import { PLUGIN_BASE_URL } from '../constants';
import { SHARED_STATE_STORAGE_KEY, keepSharedUrlState, sharedParams } from './sharedUrlState';

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
    items,
  };
}
const here = () => `${locationService.getLocation().pathname}${locationService.getLocation().search}`;

describe('keepSharedUrlState (side-menu links carry no query string)', () => {
  let stop: () => void = () => undefined;
  afterEach(() => stop());

  it("gives a page opened bare the previous page's time range, refresh and filters, not its datasources", () => {
    const storage = memoryStorage();
    locationService.push(
      `${PLUGIN_BASE_URL}/overview?from=now-6h&to=now-1h&var-service=checkout&var-service=batch&var-prometheus=p&refresh=30s&viewPanel=3`
    );
    stop = keepSharedUrlState(locationService.getHistory(), storage);
    locationService.push(`${PLUGIN_BASE_URL}/cost`);
    expect(here()).toBe(
      `${PLUGIN_BASE_URL}/cost?from=now-6h&to=now-1h&refresh=30s&var-service=checkout&var-service=batch`
    );
  });

  it('restores before the first read when the app itself opens bare', () => {
    const storage = memoryStorage();
    storage.setItem(SHARED_STATE_STORAGE_KEY, 'from=now-24h&to=now&var-model=claude-sonnet-4-5');
    locationService.push(`${PLUGIN_BASE_URL}/traces`);
    stop = keepSharedUrlState(locationService.getHistory(), storage);
    expect(here()).toBe(`${PLUGIN_BASE_URL}/traces?from=now-24h&to=now&var-model=claude-sonnet-4-5`);
  });

  it('leaves a URL with its own state alone, and remembers that state instead', () => {
    const storage = memoryStorage();
    storage.setItem(SHARED_STATE_STORAGE_KEY, 'from=now-24h&to=now');
    locationService.push(`${PLUGIN_BASE_URL}/storms?from=now-1h&to=now`);
    stop = keepSharedUrlState(locationService.getHistory(), storage);
    expect(here()).toBe(`${PLUGIN_BASE_URL}/storms?from=now-1h&to=now`);
    expect(storage.items.get(SHARED_STATE_STORAGE_KEY)).toBe('from=now-1h&to=now');
  });

  it('gives a URL that names only its datasources the remembered range and filters, keeping its datasources', () => {
    // A link from a dashboard or the Configuration page may carry the datasources alone: what
    // it chose is kept, and the tab's time range and filters fill in what it left out.
    const storage = memoryStorage();
    storage.setItem(SHARED_STATE_STORAGE_KEY, 'from=now-24h&to=now&var-service=checkout');
    locationService.push(`${PLUGIN_BASE_URL}/cost?var-prometheus=other&var-tempo=t2`);
    stop = keepSharedUrlState(locationService.getHistory(), storage);
    expect(here()).toBe(
      `${PLUGIN_BASE_URL}/cost?var-prometheus=other&var-tempo=t2&from=now-24h&to=now&var-service=checkout`
    );
    expect(storage.items.get(SHARED_STATE_STORAGE_KEY)).toBe('from=now-24h&to=now&var-service=checkout');
  });

  it('touches nothing outside the app, and nothing when no state was seen yet', () => {
    const storage = memoryStorage();
    locationService.push('/explore');
    stop = keepSharedUrlState(locationService.getHistory(), storage);
    locationService.push('/d/stormwatch-overview?from=now-6h&to=now');
    expect(storage.items.size).toBe(0);
    locationService.push(`${PLUGIN_BASE_URL}/breakers`);
    expect(here()).toBe(`${PLUGIN_BASE_URL}/breakers`);
  });

  it('stops listening when asked', () => {
    const storage = memoryStorage();
    locationService.push(`${PLUGIN_BASE_URL}/overview?from=now-6h&to=now`);
    keepSharedUrlState(locationService.getHistory(), storage)();
    locationService.push(`${PLUGIN_BASE_URL}/cost`);
    expect(here()).toBe(`${PLUGIN_BASE_URL}/cost`);
  });
});

describe('sharedParams', () => {
  it('keeps only the shared keys, every value of each', () => {
    expect(sharedParams('?viewPanel=2&var-model=a&var-model=b&from=1&orgId=1').toString()).toBe(
      'from=1&var-model=a&var-model=b'
    );
  });
});
