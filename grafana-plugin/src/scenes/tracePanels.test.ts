import { traceLinks } from './tracePanels';

describe('trace row links', () => {
  it('open Explore, and Traces Drilldown only when installed', () => {
    expect(traceLinks(false).map((l) => l.title)).toEqual(['Open in Explore']);
    expect(traceLinks(true).map((l) => l.title)).toEqual(['Open in Explore', 'Open in Traces Drilldown']);
    expect(traceLinks(true)[1]!.url).toContain('/a/grafana-exploretraces-app/explore?var-ds=${tempo}');
  });
});
