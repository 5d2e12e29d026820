import { PROM_LABEL_SPAN_NAME, PROM_SPAN_METRICS_DURATION, SPAN_CALL } from '@stormwatch/conventions';
import { LABEL, queryById } from '@stormwatch/queries';
import { breakersPage } from './pages/breakers';
import { costPage } from './pages/cost';
import { overviewPage } from './pages/overview';
import { servicePage } from './pages/service';
import { stormsPage } from './pages/storms';
import { tracesPage } from './pages/traces';
import { DASHBOARD_ENV, tracesLink } from './panels';
import { fieldConfigOf } from './render';
import type { PanelSpec, QuerySpec } from './PageSpec';

/**
 * Exemplars come only from the collector's span metrics: the OpenTelemetry JS SDK records
 * none on the library's own histograms and counters, so a toggle on those would promise dots
 * that never come. Grafana draws an exemplar of a hidden series only where its labels match
 * a visible series, so the span-metrics query groups by what the panel's line groups by.
 */

const PAGES = [
  overviewPage(DASHBOARD_ENV),
  servicePage(DASHBOARD_ENV),
  stormsPage(DASHBOARD_ENV),
  costPage(100),
  tracesPage(DASHBOARD_ENV),
  breakersPage(DASHBOARD_ENV),
];
const PANELS: PanelSpec[] = PAGES.flatMap((p) => p.rows.flat());
const withExemplars = PANELS.filter((p) => p.queries.some((q) => q.exemplar));
const groupedBy = (q: QuerySpec) => q.params.by ?? [LABEL.SERVICE, LABEL.MODEL];

describe('exemplars', () => {
  it('are asked on the call-duration graphs of the Overview and the Service page', () => {
    expect(withExemplars.map((p) => p.title)).toEqual(['Call duration p95', 'Call duration p95 by model']);
  });

  it.each(withExemplars.map((p) => [p.title, p] as const))(
    '%s: asked only of the call spans’ span metrics, whose series is hidden and grouped as the line is',
    (_title, panel) => {
      const asked = panel.queries.filter((q) => q.exemplar);
      for (const q of asked) {
        const expr = queryById(q.id).build(q.params);
        expect(expr).toContain(`${PROM_SPAN_METRICS_DURATION}_bucket{`);
        expect(expr).toContain(`${PROM_LABEL_SPAN_NAME}="${SPAN_CALL}"`);
        expect(q.hidden).toBe(true);
      }
      const lines = panel.queries.filter((q) => !q.hidden);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        // The line is the library's own series (there whether or not the overlay runs).
        expect(queryById(line.id).build(line.params)).not.toContain(PROM_SPAN_METRICS_DURATION);
        expect(line.exemplar).toBeFalsy();
        for (const q of asked) {
          expect(groupedBy(line).every((label) => groupedBy(q).includes(label))).toBe(true);
        }
      }
      expect(fieldConfigOf(panel).overrides).toContainEqual({
        matcher: { id: 'byFrameRefID', options: 'callSpanDurationP95' },
        properties: [{ id: 'custom.hideFrom', value: { viz: true, legend: true, tooltip: true } }],
      });
    }
  );

  it('are asked of no other series', () => {
    const others = PANELS.flatMap((p) => p.queries)
      .filter((q) => !queryById(q.id).build(q.params).includes(PROM_SPAN_METRICS_DURATION))
      .filter((q) => q.exemplar);
    expect(others).toEqual([]);
  });
});

describe('the graphs without exemplars link a point to its traces', () => {
  const linksOf = (title: string) =>
    PANELS.filter((p) => p.title === title).flatMap((p) => (p.links ?? []).flatMap((l) => l.links));

  it('attempts per call: the Traces page for the service and model of the clicked series', () => {
    expect(linksOf('Attempts per call p95')).toEqual([tracesLink('Calls with the most attempts', 'series')]);
    const panel = PANELS.find((p) => p.title === 'Attempts per call p95')!;
    // The link reads the labels the series has.
    expect(groupedBy(panel.queries[0]!)).toEqual([LABEL.SERVICE, LABEL.MODEL]);
    expect(tracesLink('x', 'series').url).toBe(
      `/a/stormwatch-stormwatch-app/traces?var-service=\${__field.labels.${LABEL.SERVICE}}&var-model=\${__field.labels.${LABEL.MODEL}}` +
        '&time=${__value.time}&time.window=600000&var-prometheus=${prometheus}&var-tempo=${tempo}'
    );
  });

  it('USD/h by kind (totals): the Traces page with the page’s own filters', () => {
    expect(linksOf('USD/h by kind')).toEqual([tracesLink('Calls of this spend', 'page')]);
    expect(tracesLink('x', 'page').url).toContain('${service:queryparam}&${model:queryparam}');
  });
});
