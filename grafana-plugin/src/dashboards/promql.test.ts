import type { Panel, VariableModel } from '@grafana/schema';
import { ALL, SEVERAL, interpolate, labelValuesSelector, promtoolCheck } from '../checks/promtool';
import { generateDashboards } from './generate';

const dashboards = Object.values(generateDashboards());
const panelExprs = dashboards.flatMap((d) =>
  ((d.panels ?? []) as Panel[]).flatMap((p) =>
    (p.targets ?? []).filter((t) => typeof t.expr === 'string').map((t) => String(t.expr))
  )
);
const annotationExprs = dashboards.flatMap((d) =>
  (d.annotations?.list ?? []).map((a) => String((a as unknown as { expr: string }).expr))
);
const variableSelectors = dashboards.flatMap((d) =>
  (d.templating?.list ?? [])
    .filter((v: VariableModel) => v.type === 'query')
    .map((v: VariableModel) => labelValuesSelector(String((v.query as { query: string }).query)))
);

describe('dashboard PromQL, as Grafana sends it', () => {
  it('has panel and variable expressions to check', () => {
    expect(panelExprs.length).toBeGreaterThan(30);
    expect(variableSelectors.length).toBe(2 * dashboards.length);
    expect(annotationExprs.length).toBeGreaterThan(0);
  });

  it.each([
    ['every service and model (All)', ALL],
    ['several of each', SEVERAL],
  ])('parses with Prometheus own parser for %s', (_name, selection) => {
    const exprs = [...panelExprs, ...annotationExprs, ...variableSelectors].map((e) => interpolate(e, selection));
    // Left alone by Grafana: a label_replace group reference ("$1") is no variable.
    expect(exprs.filter((e) => e.replace(/"\$\d+"/g, '""').includes('$'))).toEqual([]);
    const { ok, output } = promtoolCheck(exprs);
    expect({ ok, output: ok ? '' : output }).toEqual({ ok: true, output: '' });
    expect(output).toContain(`SUCCESS: ${exprs.length} rules found`);
  });
});
