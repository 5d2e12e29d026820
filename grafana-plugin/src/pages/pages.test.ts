import { DEFAULT_STORM_THRESHOLDS } from '@stormwatch/queries';
import { createPages } from './pages';

describe('createPages', () => {
  it('lists the pages under the app URL in navigation order', () => {
    const pages = createPages({ stormThresholds: DEFAULT_STORM_THRESHOLDS });
    expect(pages.map((p) => [p.state.title, p.state.url])).toEqual([
      ['Overview', '/a/stormwatch-stormwatch-app/overview'],
      ['Storms', '/a/stormwatch-stormwatch-app/storms'],
      ['Cost', '/a/stormwatch-stormwatch-app/cost'],
      ['Traces', '/a/stormwatch-stormwatch-app/traces'],
      ['Breakers & fallbacks', '/a/stormwatch-stormwatch-app/breakers'],
    ]);
  });

  it('gives the overview a drill-down page per service', () => {
    const overview = createPages({ stormThresholds: DEFAULT_STORM_THRESHOLDS })[0]!;
    const drilldown = overview.state.drilldowns![0]!;
    const page = drilldown.getPage({ path: '', url: '', params: {}, isExact: true }, overview);
    expect([overview.state.routePath, drilldown.routePath, page.state.title, page.state.url]).toEqual([
      'overview/*',
      'service',
      'Service',
      '/a/stormwatch-stormwatch-app/overview/service',
    ]);
  });

  it('gives the storms page a drill-down page per storm', () => {
    const storms = createPages({ stormThresholds: DEFAULT_STORM_THRESHOLDS })[1]!;
    const drilldown = storms.state.drilldowns![0]!;
    const page = drilldown.getPage({ path: '', url: '', params: {}, isExact: true }, storms);
    expect([drilldown.routePath, page.state.title, page.state.url]).toEqual([
      'storm',
      'Storm',
      '/a/stormwatch-stormwatch-app/storms/storm',
    ]);
  });
});
