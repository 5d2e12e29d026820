import { readdirSync, readFileSync } from 'fs';
import path from 'path';
import type { Dashboard, Panel } from '@grafana/schema';
import { PROBE_METRICS, RULE_CALLS_RATE } from '@stormwatch/conventions';
import { ALL_QUERIES, LABEL, WATCH_QUERIES, queryById, type QueryParams } from '@stormwatch/queries';
import pluginJson from '../plugin.json';
import { VAR_MODEL, VAR_PROMETHEUS, VAR_SERVICE, VAR_TEMPO } from '../constants';
import { DASHBOARD_TAG, SCHEMA_VERSION, generateDashboards, serializeDashboard } from './generate';

const generated = generateDashboards();
const committedFiles = readdirSync(__dirname).filter((f) => f.endsWith('.json'));
const read = (file: string): Dashboard => JSON.parse(readFileSync(path.join(__dirname, file), 'utf8'));
const panelsOf = (d: Dashboard): Panel[] => (d.panels ?? []) as Panel[];
const targetsOf = (d: Dashboard) => panelsOf(d).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p, target: t })));

describe('bundled dashboards', () => {
  it('commits exactly the generated dashboards (run `npm run dashboards` after changing a query)', () => {
    expect(committedFiles.sort()).toEqual(Object.keys(generated).sort());
    for (const [file, dashboard] of Object.entries(generated)) {
      expect({ file, dashboard: read(file) }).toEqual({ file, dashboard: JSON.parse(serializeDashboard(dashboard)) });
    }
  });

  it('are the dashboards plugin.json includes, by path and title', () => {
    const includes = pluginJson.includes
      .filter((i) => i.type === 'dashboard')
      .map((i) => ({ name: i.name, path: i.path }))
      .sort((a, b) => a.path.localeCompare(b.path));
    const files = Object.entries(generated)
      .map(([file, d]) => ({ name: d.title, path: `dashboards/${file}` }))
      .sort((a, b) => a.path.localeCompare(b.path));
    expect(includes).toEqual(files);
  });

  it.each(committedFiles)('%s has its stable uid, no id, and no datasource uid but a variable', (file) => {
    const dashboard = read(file);
    expect(dashboard.uid).toBe(`${DASHBOARD_TAG}-${file.replace(/\.json$/, '')}`);
    expect(dashboard.uid!.length).toBeLessThanOrEqual(40);
    expect(dashboard).not.toHaveProperty('id');
    const uids: string[] = [];
    JSON.stringify({ panels: dashboard.panels, templating: dashboard.templating }, (key, value) => {
      if (key === 'uid') {
        uids.push(value);
      }
      return value;
    });
    expect(uids.length).toBeGreaterThan(0);
    expect(new Set(uids)).toEqual(
      new Set(uids.filter((u) => u === `\${${VAR_PROMETHEUS}}` || u === `\${${VAR_TEMPO}}`))
    );
  });

  it('give every dashboard a different uid', () => {
    const uids = committedFiles.map((f) => read(f).uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it.each(committedFiles)('%s declares the datasource, service and model variables it reads', (file) => {
    const dashboard = read(file);
    const list = dashboard.templating?.list ?? [];
    const usesTempo = targetsOf(dashboard).some(
      ({ target }) => (target.datasource as { uid: string }).uid === `\${${VAR_TEMPO}}`
    );
    expect(list.map((v) => [v.name, v.type])).toEqual([
      [VAR_PROMETHEUS, 'datasource'],
      ...(usesTempo ? [[VAR_TEMPO, 'datasource']] : []),
      [VAR_SERVICE, 'query'],
      [VAR_MODEL, 'query'],
    ]);
    const byName = Object.fromEntries(list.map((v) => [v.name, v]));
    expect(byName[VAR_PROMETHEUS].query).toBe('prometheus');
    expect(byName[VAR_SERVICE]).toMatchObject({
      datasource: { type: 'prometheus', uid: `\${${VAR_PROMETHEUS}}` },
      definition: `label_values(${RULE_CALLS_RATE}, ${LABEL.SERVICE})`,
      multi: true,
      includeAll: true,
      allValue: '.*',
    });
    expect(byName[VAR_MODEL]).toMatchObject({
      definition: `label_values(${RULE_CALLS_RATE}{${LABEL.SERVICE}=~"$${VAR_SERVICE}"}, ${LABEL.MODEL})`,
    });
    expect(dashboard.schemaVersion).toBe(SCHEMA_VERSION);
  });

  // Every parameter combination the generator may use; an expression built otherwise
  // (edited by hand, or not from @stormwatch/queries) matches none of them.
  const filters: QueryParams[] = [
    { service: { variable: VAR_SERVICE }, model: { variable: VAR_MODEL } },
    { service: { variable: VAR_SERVICE } },
  ];
  const bys = [undefined, [], [LABEL.SERVICE], [LABEL.MODEL], [LABEL.POLICY]];
  const ranges = [undefined, '$__range', '$__rate_interval'];
  const candidates = filters.flatMap((f) => bys.flatMap((by) => ranges.map((range) => ({ ...f, by, range }))));

  it.each(committedFiles)('%s queries are built by @stormwatch/queries with the dashboard variables', (file) => {
    const targets = targetsOf(read(file));
    expect(targets.length).toBeGreaterThan(0);
    for (const { panel, target } of targets) {
      const query = queryById(String(target.refId));
      const text = query.kind === 'promql' ? target.expr : target.query;
      const datasource = query.kind === 'promql' ? `\${${VAR_PROMETHEUS}}` : `\${${VAR_TEMPO}}`;
      expect({
        panel: panel.title,
        refId: target.refId,
        datasource: target.datasource,
        panelDatasource: panel.datasource,
      }).toEqual({
        panel: panel.title,
        refId: target.refId,
        datasource: { type: query.kind === 'promql' ? 'prometheus' : 'tempo', uid: datasource },
        panelDatasource: { type: query.kind === 'promql' ? 'prometheus' : 'tempo', uid: datasource },
      });
      const built = new Set(candidates.map((p) => query.build(p)));
      expect({ panel: panel.title, fromQueries: built.has(String(text)) }).toEqual({
        panel: panel.title,
        fromQueries: true,
      });
      // The probe and the status page watch the provider from outside the services.
      if (!PROBE_METRICS.some((m) => String(text).includes(m.prometheusName))) {
        expect(String(text)).toContain(`$${VAR_SERVICE}`);
      }
    }
  });

  it.each([
    ['model', LABEL.MODEL],
    ['service', LABEL.SERVICE],
    ['policy', LABEL.POLICY],
  ])('cost.json shows useful against wasted USD by %s over the range, with the variables', (what, label) => {
    const panel = panelsOf(read('cost.json')).find((p) => p.title === `USD by ${what}`);
    expect(panel?.type).toBe('bargauge');
    const [target] = panel?.targets ?? [];
    const filters = { service: { variable: VAR_SERVICE }, model: { variable: VAR_MODEL } };
    expect(target).toMatchObject({
      refId: 'costUsd',
      expr: queryById('costUsd').build({ ...filters, by: [label], range: '$__range' }),
      instant: true,
    });
    expect(String(target?.expr)).toContain(`sum by (${label}, ${LABEL.COST_KIND})`);
    expect(String(target?.expr)).toContain(`$${VAR_MODEL}`);
  });

  it('together use every query of @stormwatch/queries (ALL_QUERIES and WATCH_QUERIES), and nothing else', () => {
    const used = new Set(
      Object.values(generated).flatMap((d) => targetsOf(d).map(({ target }) => String(target.refId)))
    );
    expect([...used].sort()).toEqual([...ALL_QUERIES, ...WATCH_QUERIES].map((q) => q.id).sort());
  });

  it.each(committedFiles)('%s lays its panels on the grid without overlap, with unique ids', (file) => {
    const panels = panelsOf(read(file));
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const cells = new Set<string>();
    for (const p of panels) {
      const { x, y, w, h } = p.gridPos!;
      expect(x + w).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          expect(cells.has(`${i},${j}`)).toBe(false);
          cells.add(`${i},${j}`);
        }
      }
    }
  });
});
