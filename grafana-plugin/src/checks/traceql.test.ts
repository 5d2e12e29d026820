import { readdirSync, readFileSync } from 'fs';
import path from 'path';
import { SceneQueryRunner, sceneGraph, type SceneObject } from '@grafana/scenes';
import type { Dashboard, Panel } from '@grafana/schema';
import { SPAN_CALL } from '@stormwatch/conventions';
import { DEFAULT_STORM_THRESHOLDS } from '@stormwatch/queries';
import type { ResolvedSettings } from '../settings';
import { breakersScene } from '../scenes/breakersScene';
import { costScene } from '../scenes/costScene';
import { overviewScene } from '../scenes/overviewScene';
import { stormDetailScene } from '../scenes/stormDetailScene';
import { stormsScene } from '../scenes/stormsScene';
import { tracesScene } from '../scenes/tracesScene';
import { drilldownTraceLink, exploreTraceLink } from '../transforms/traceLinkTemplates';
import { TEMPO_SELECTIONS, interpolateTraceql, isTraceIdQuery, namesOutsideContract, traceqlProblems } from './traceql';

interface TempoTarget {
  where: string;
  queryType?: string;
  query: string;
}

const settings: ResolvedSettings = { stormThresholds: DEFAULT_STORM_THRESHOLDS };
const scenes: Record<string, SceneObject> = {
  overview: overviewScene(settings),
  storms: stormsScene(settings),
  stormDetail: stormDetailScene(settings),
  cost: costScene(settings),
  traces: tracesScene(settings),
  breakers: breakersScene(settings),
};

/** Every query of the scenes that goes to the Tempo datasource. */
const sceneTargets: TempoTarget[] = Object.entries(scenes).flatMap(([name, scene]) => {
  const runners = sceneGraph.findAllObjects(scene, (o) => o instanceof SceneQueryRunner) as SceneQueryRunner[];
  return runners.flatMap((r) => {
    const type = (r.state.datasource as { type?: string } | undefined)?.type;
    return r.state.queries
      .filter((q) => (q.datasource?.type ?? type) === 'tempo')
      .map((q) => ({ where: `${name} page, ${q.refId}`, queryType: q.queryType as string, query: String(q.query) }));
  });
});

/** Every target of the committed dashboards that goes to the Tempo datasource. */
const dashboardsDir = path.join(__dirname, '..', 'dashboards');
const dashboardTargets: TempoTarget[] = readdirSync(dashboardsDir)
  .filter((f) => f.endsWith('.json'))
  .flatMap((file) => {
    const dashboard = JSON.parse(readFileSync(path.join(dashboardsDir, file), 'utf8')) as Dashboard;
    return ((dashboard.panels ?? []) as Panel[]).flatMap((p) =>
      (p.targets ?? [])
        .filter((t) => (t.datasource as { type?: string } | undefined)?.type === 'tempo')
        .map((t) => ({
          where: `${file}, ${p.title}`,
          queryType: (t as { queryType?: string }).queryType,
          query: String((t as { query?: string }).query),
        }))
    );
  });

const traceqlTargets = [...sceneTargets, ...dashboardTargets];

describe("the app's TraceQL as Grafana sends it, parsed by Grafana's grammar", () => {
  it('has TraceQL targets in the scenes and the dashboards, and only TraceQL ones for Tempo', () => {
    expect(sceneTargets.length).toBeGreaterThanOrEqual(7);
    expect(dashboardTargets.length).toBeGreaterThanOrEqual(5);
    expect(traceqlTargets.filter((t) => t.queryType !== 'traceql')).toEqual([]);
  });

  it.each(Object.keys(TEMPO_SELECTIONS))('every target parses with no error node for %s of each variable', (name) => {
    const failures = traceqlTargets
      .map((t) => ({ where: t.where, problems: traceqlProblems(interpolateTraceql(t.query, TEMPO_SELECTIONS[name])) }))
      .filter((f) => f.problems.length > 0);
    expect(failures).toEqual([]);
  });

  it('every target names only span, resource and span names of the telemetry contract', () => {
    const outside = traceqlTargets
      .map((t) => ({ where: t.where, names: namesOutsideContract(t.query) }))
      .filter((f) => f.names.length > 0);
    expect(outside).toEqual([]);
  });

  it("the trace links send the row's trace id, which Tempo fetches as a trace rather than parsing it as TraceQL", () => {
    const url = new URL(exploreTraceLink(), 'http://grafana.local');
    const panes = JSON.parse(url.searchParams.get('panes') ?? '{}') as Record<
      string,
      { queries: Array<{ queryType: string; query: string; datasource: { type: string } }> }
    >;
    const queries = Object.values(panes).flatMap((p) => p.queries);
    expect(queries.map((q) => [q.datasource.type, q.queryType, q.query])).toEqual([
      ['tempo', 'traceql', '${__value.raw}'],
    ]);
    // Grafana puts the row's raw value, a trace id from Tempo's search table, in its place.
    const sent = queries[0].query.replace('${__value.raw}', '0af7651916cd43dd8448eb211c80319c');
    expect(isTraceIdQuery(sent)).toBe(true);
    expect(new URL(drilldownTraceLink(), 'http://grafana.local').searchParams.get('traceId')).toBe('${__value.raw}');
  });
});

describe('the TraceQL checks can fail', () => {
  it('finds a syntax error, a variable left over and a value that needs quotes', () => {
    expect(traceqlProblems(`{ name = "${SPAN_CALL}" && }`).length).toBeGreaterThan(0);
    expect(traceqlProblems('{ span.x = $service }')).toEqual([
      'variable left: $service',
      '"$" left in { span.x = $service }',
    ]);
    const unquoted = interpolateTraceql('{ resource.service.name = $service }', TEMPO_SELECTIONS['several values']);
    expect(unquoted).toBe('{ resource.service.name = checkout|search-api }');
    expect(traceqlProblems(unquoted).length).toBeGreaterThan(0);
  });

  it('finds names outside the contract', () => {
    expect(
      namesOutsideContract(
        '{ name = "chat x" && span.stormwatch.call.attempt > 1 && span.service.name = "a" && resource.cloud.region = "x" && .foo = 1 && span.stormwatch.policy = "p" }'
      )
    ).toEqual([
      'name = "chat x"',
      'span.stormwatch.call.attempt',
      'span.service.name',
      'resource.cloud.region',
      '.foo',
    ]);
  });

  it('interpolates as the pipe format does, leaving other variables', () => {
    expect(interpolateTraceql('=~"$service" =~"${model}" ${__value.raw}', TEMPO_SELECTIONS['several values'])).toBe(
      '=~"checkout|search-api" =~"claude-sonnet-4-5|claude-3.5-haiku" ${__value.raw}'
    );
    expect(interpolateTraceql('=~"${service:pipe}"', TEMPO_SELECTIONS.All)).toBe('=~".*"');
    expect(interpolateTraceql('=~"$service"', TEMPO_SELECTIONS['one value'])).toBe('=~"checkout"');
  });

  it('tells a trace id from TraceQL', () => {
    expect(isTraceIdQuery('abc123')).toBe(true);
    expect(isTraceIdQuery('{ name = "x" }')).toBe(false);
  });
});
