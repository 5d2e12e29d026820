import type { SceneQueryRunner } from '@grafana/scenes';
import { TRACE_ID_FIELD, traceLinks, traceTable } from './tracePanels';

describe('trace row links', () => {
  it('open Explore, and Traces Drilldown only when installed', () => {
    expect(traceLinks(false).map((l) => l.title)).toEqual(['Open in Explore']);
    expect(traceLinks(true).map((l) => l.title)).toEqual(['Open in Explore', 'Open in Traces Drilldown']);
    expect(traceLinks(true)[1]!.url).toContain('/a/grafana-exploretraces-app/explore?var-ds=${tempo}');
  });
});

describe('traceTable', () => {
  it('links the trace id column of a TraceQL search on the Tempo variable', () => {
    const panel = traceTable('Worst', 'worst', '{ name = "x" }', 'd');
    const override = panel.state.fieldConfig.overrides[0]!;
    expect(override.matcher.options).toBe(TRACE_ID_FIELD);
    expect(override.properties[0]!.id).toBe('links');
    expect((override.properties[0]!.value as Array<{ title: string }>)[0]!.title).toBe('Open in Explore');
    const runner = panel.state.$data as SceneQueryRunner;
    expect(runner.state.datasource).toEqual({ type: 'tempo', uid: '${tempo}' });
    expect(runner.state.queries).toEqual([
      { refId: 'worst', queryType: 'traceql', query: '{ name = "x" }', limit: 50, spss: 3, tableType: 'traces' },
    ]);
  });
});
