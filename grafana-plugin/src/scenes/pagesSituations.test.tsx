import { act } from '@testing-library/react';
import { LoadingState, createTheme, getDisplayProcessor, type DataFrame, type FieldConfig } from '@grafana/data';
import {
  SceneDataTransformer,
  SceneQueryRunner,
  VizPanel,
  sceneGraph,
  type EmbeddedScene,
  type SceneObject,
} from '@grafana/scenes';
import { ATTR_CALL_ATTEMPTS, BREAKER_STATE_GAUGE_VALUE, BreakerState } from '@stormwatch/conventions';
import { ALERT_THRESHOLDS, DEFAULT_STORM_THRESHOLDS, LABEL } from '@stormwatch/queries';
import { activateFullSceneTree } from '../test/activateFullSceneTree';
import { PROM_UID, TEMPO_UID, installFakeGrafana } from '../test/fakeGrafana';
import {
  FALLBACK_MODEL,
  MODEL,
  SERVICES,
  SITUATIONS,
  SITUATION_LIST,
  framesFor,
  serviceFilter,
  registerStandardTransformers,
  respondWith,
  type Situation,
} from '../test/situations';
import { VAR_SERVICE } from '../constants';
import type { ResolvedSettings } from '../settings';
import { STORM_FIELDS } from '../transforms/stormsToFrame';
import { breakersScene } from './breakersScene';
import { costScene } from './costScene';
import { overviewScene } from './overviewScene';
import { serviceScene } from './serviceScene';
import { stormDetailScene } from './stormDetailScene';
import { stormsScene } from './stormsScene';
import { tracesScene } from './tracesScene';

/**
 * Every page of the app rendered with the fixture data of the three situations an on-call
 * engineer meets (src/test/situations.ts: calm, a retry storm, an open breaker), each
 * asserting what the page shows in that situation. The empty and error states of every
 * page are in scenes.test.tsx.
 */

const settings: ResolvedSettings = {
  prometheusDatasourceUid: PROM_UID,
  tempoDatasourceUid: TEMPO_UID,
  stormThresholds: DEFAULT_STORM_THRESHOLDS,
};

const PAGES: Array<[string, (s: ResolvedSettings) => EmbeddedScene]> = [
  ['Overview', overviewScene],
  ['Service', serviceScene],
  ['Storms', stormsScene],
  ['Storm drill-down', stormDetailScene],
  ['Cost', costScene],
  ['Traces', tracesScene],
  ['Breakers & fallbacks', breakersScene],
];

const theme = createTheme();

beforeAll(registerStandardTransformers);

async function flush() {
  for (let i = 0; i < 5; i++) {
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
  }
}

function panels(scene: SceneObject): VizPanel[] {
  return sceneGraph.findAllObjects(scene, (o) => o instanceof VizPanel) as VizPanel[];
}

/** The query runner under a panel's data (through its transformations, if any). */
function runnerOf(p: VizPanel): SceneQueryRunner | undefined {
  let data = p.state.$data;
  while (data instanceof SceneDataTransformer) {
    data = data.state.$data;
  }
  return data instanceof SceneQueryRunner ? data : undefined;
}

/**
 * A page rendered in situation `s`: its panels' field config as built (the tests' stub
 * panel plugins have no field options, so an activated panel drops mappings and units),
 * and what each panel received.
 */
async function renderPage(
  build: (s: ResolvedSettings) => EmbeddedScene,
  s: Situation,
  { service }: { service?: string } = {}
) {
  installFakeGrafana(respondWith(s));
  const scene = build(settings);
  const built = new Map(panels(scene).map((p) => [p.state.title, p.state.fieldConfig.defaults as FieldConfig]));
  const builtOverrides = new Map(panels(scene).map((p) => [p.state.title, p.state.fieldConfig.overrides]));
  const deactivate = activateFullSceneTree(scene);
  await flush();
  if (service) {
    // As the link that opens the page does (var-service in the URL).
    const variable = sceneGraph.lookupVariable(VAR_SERVICE, scene) as unknown as {
      changeValueTo: (v: string[]) => void;
    };
    await act(async () => variable.changeValueTo([service]));
    await flush();
  }
  const byTitle = (title: string) => {
    const found = panels(scene).find((p) => p.state.title === title);
    if (!found) {
      throw new Error(`no panel "${title}"`);
    }
    return found;
  };
  const frames = (title: string): DataFrame[] => sceneGraph.getData(byTitle(title)).state.data?.series ?? [];
  /** What a stat or state panel shows per series: labels, text (unit and mappings applied) and colour. */
  const shown = (title: string) =>
    frames(title).map((frame) => {
      const value = frame.fields.find((f) => f.name !== 'Time')!;
      const display = getDisplayProcessor({ field: { ...value, config: { ...built.get(title) } }, theme });
      const last = display(value.values[value.values.length - 1]);
      return {
        labels: value.labels ?? {},
        numeric: last.numeric,
        text: `${last.prefix ?? ''}${last.text}${last.suffix ?? ''}`,
        color: last.color,
      };
    });
  /** A table panel's column, by field name. */
  const column = (title: string, name: string) => frames(title)[0]?.fields.find((f) => f.name === name)?.values ?? [];
  /** A panel's field overrides as built. */
  const overrides = (title: string) => builtOverrides.get(title) ?? [];
  return { scene, deactivate, byTitle, frames, shown, column, overrides };
}

const color = (name: string) => theme.visualization.getColorByName(name);

describe.each(PAGES)('the %s page', (_page, build) => {
  it.each(SITUATION_LIST.map((s) => [s.name, s] as const))(
    'gives every panel the frames of its own queries when %s',
    async (_name, s) => {
      const { scene, deactivate } = await renderPage(build, s);
      const all = panels(scene);
      expect(all.length).toBeGreaterThan(0);
      for (const p of all) {
        const data = sceneGraph.getData(p).state.data;
        expect({ panel: p.state.title, state: data?.state, errors: data?.errors }).toEqual({
          panel: p.state.title,
          state: LoadingState.Done,
          errors: undefined,
        });
        // Exactly the frames the datasources returned for the panel's own queries, and something to show where they returned any.
        const runner = runnerOf(p);
        expect(runner).toBeDefined();
        // Prometheus answers a table query with one table, any other query with a frame per series.
        const expected = runner!.state.queries.flatMap((q) =>
          (q as { format?: string }).format === 'table'
            ? [q.refId]
            : framesFor(s, q.refId, Boolean((q as { instant?: boolean }).instant)).map((f) => f.refId)
        );
        const received = (runner!.state.data?.series ?? []).map((f) => f.refId);
        expect({ panel: p.state.title, refIds: received }).toEqual({ panel: p.state.title, refIds: expected });
        if (expected.length > 0) {
          expect({ panel: p.state.title, shows: data!.series.length > 0 }).toEqual({
            panel: p.state.title,
            shows: true,
          });
        }
      }
      deactivate();
    }
  );
});

const STATE_WORDS = { 0: 'calm', 1: 'storm', 2: 'overloaded', 3: 'breaker open' } as const;
const notClosed = (s: Situation) => s.breakers.filter((b) => b.state !== BreakerState.CLOSED).length;

describe.each(SITUATION_LIST.map((s) => [s.name, s] as const))('when %s', (name, s) => {
  it('the Overview shows each service’s state, the firing alerts and the open breakers', async () => {
    const page = await renderPage(overviewScene, s);
    expect(page.shown('State by service and model').map((x) => [x.labels[LABEL.SERVICE], x.text])).toEqual(
      SERVICES.map((service) => [service, STATE_WORDS[s.states[service]]])
    );
    expect(page.column('Firing alerts', 'alertname')).toEqual(s.alerts.map((a) => a.alertname));
    // A row per service and model, the most amplified first, with the fixture's figures now.
    const now = (values: readonly number[]) => values[values.length - 1];
    const amplified = [...SERVICES].sort((a, b) => now(s.amplification[b]) - now(s.amplification[a]));
    expect(page.column('By service and model', LABEL.SERVICE)).toEqual(amplified);
    expect(page.column('By service and model', 'Value #amplification')).toEqual(
      amplified.map((x) => now(s.amplification[x]))
    );
    expect(page.column('By service and model', 'Value #wasted')).toEqual(
      amplified.map((x) => now(s.wastedUsdPerHour[x]))
    );
    const open = page.shown('Breakers open');
    expect(open.map((x) => x.text)).toEqual([String(notClosed(s))]);
    expect(open[0].color).toBe(color(notClosed(s) >= ALERT_THRESHOLDS.breakerNotClosed ? 'red' : 'green'));
    page.deactivate();
  });

  it('the Overview’s call-duration graph draws the library’s p95, and keeps the span metrics (its exemplars) off the graph', async () => {
    const page = await renderPage(overviewScene, s);
    const title = 'Call duration p95';
    const refIds = page.frames(title).map((f) => f.refId);
    // The line is always the library's own histogram; the span-metrics series is there only
    // where the collector runs the overlay (the calm deploy does not), and never drawn.
    expect(refIds.filter((r) => r === 'callDurationP95')).toHaveLength(SERVICES.length);
    expect(refIds.filter((r) => r === 'callSpanDurationP95')).toHaveLength(s.spanMetrics ? SERVICES.length : 0);
    expect(page.overrides(title)).toContainEqual({
      matcher: { id: 'byFrameRefID', options: 'callSpanDurationP95' },
      properties: [{ id: 'custom.hideFrom', value: { viz: true, legend: true, tooltip: true } }],
    });
    const targets = runnerOf(page.byTitle(title))!.state.queries as Array<{ refId: string; exemplar?: boolean }>;
    expect(targets.map((t) => [t.refId, Boolean(t.exemplar)])).toEqual([
      ['callDurationP95', false],
      ['callSpanDurationP95', true],
    ]);
    page.deactivate();
  });

  it('the Service page shows the state of its model, its breakers and its worst calls, for its service only', async () => {
    const page = await renderPage(serviceScene, s, { service: 'checkout' });
    expect(page.shown('State by model').map((x) => [x.labels[LABEL.SERVICE], x.text])).toEqual([
      ['checkout', STATE_WORDS[s.states.checkout]],
    ]);
    expect(page.shown('Breaker state').map((x) => [x.labels[LABEL.SERVICE], x.text])).toEqual(
      s.breakers.filter((b) => b.service === 'checkout').map((b) => [b.service, b.state])
    );
    expect(page.column('Firing alerts', 'alertname')).toEqual(
      s.alerts.filter((a) => a.service === 'checkout').map((a) => a.alertname)
    );
    const retried = s.calls
      .filter((c) => c.service === 'checkout' && c.attempts > 1)
      .sort((a, b) => b.attempts - a.attempts);
    expect(page.column('Calls with the most attempts', 'traceIdHidden')).toEqual(retried.map((c) => c.traceId));
    page.deactivate();
  });

  it('the Storms page lists the storms the fixture holds, and none when calm', async () => {
    const page = await renderPage(stormsScene, s);
    const [table] = page.frames('Storms');
    const causes = table.fields.find((f) => f.name === STORM_FIELDS.CAUSE)?.values ?? [];
    const services = (table.fields.find((f) => f.name === STORM_FIELDS.SERVICES)?.values ?? []).map(String);
    const expected = { calm: [], storm: ['retries'], 'breaker open': ['api'] }[name];
    expect([...new Set(causes)]).toEqual(expected);
    expect(table.length > 0).toBe(name !== 'calm');
    if (name === 'storm') {
      // Only checkout stormed; its storm lasted the six samples above the threshold.
      expect(services).toEqual(['checkout']);
      expect(table.fields.find((f) => f.name === STORM_FIELDS.PEAK_AMPLIFICATION)?.values).toEqual([4]);
    }
    if (name === 'breaker open') {
      expect(services.join(',')).toContain('checkout');
    }
    // Each storm is shaded on the page's graphs: one region per row of the table.
    const runner = runnerOf(page.byTitle('Retry amplification (storm input)'))!;
    const regions = (runner.state.data?.annotations ?? []).find((f) => f.name === 'storms');
    expect(regions?.length ?? 0).toBe(table.length);
    if (name === 'storm') {
      expect(regions?.fields.find((f) => f.name === 'title')?.values).toEqual(['storm (retries): checkout']);
    }
    // The storm inputs are drawn per service and model against the alert's threshold.
    const peaks = page.frames('Retry amplification (storm input)').map((f) => Math.max(...f.fields[1].values));
    expect(peaks.some((v) => v > ALERT_THRESHOLDS.retryAmplification)).toBe(name === 'storm');
    page.deactivate();
  });

  it('the Cost page shows the fixture’s spend per hour and per day, and the previous period', async () => {
    const page = await renderPage(costScene, s);
    // The figures are the fixture's, shown in dollars.
    const byKind = (title: string) =>
      Object.fromEntries(page.shown(title).map((x) => [x.labels[LABEL.COST_KIND], [x.numeric, x.text[0]]]));
    expect(byKind('USD/h now')).toEqual({
      useful: [s.usdPerHour.useful, '$'],
      wasted: [s.usdPerHour.wasted, '$'],
    });
    expect(byKind('USD/day at this rate')).toEqual({
      useful: [s.usdPerHour.useful * 24, '$'],
      wasted: [s.usdPerHour.wasted * 24, '$'],
    });
    const comparison = page.frames('USD: this period and the previous');
    const previous = comparison.filter((f) => f.refId === 'costUsdPreviousPeriod').map((f) => f.fields[1].values[0]);
    expect(previous).toEqual([s.previousUsd.useful, s.previousUsd.wasted]);
    const share = s.usdPerHour.wasted / (s.usdPerHour.useful + s.usdPerHour.wasted);
    expect(page.shown('Waste share').map((x) => x.text)).toEqual([`${Math.round(share * 100)}%`]);
    page.deactivate();
  });

  it('the Traces page lists the calls by attempts and backoff, and those that fell back', async () => {
    const page = await renderPage(tracesScene, s);
    const retried = s.calls.filter((c) => c.attempts > 1).sort((a, b) => b.attempts - a.attempts);
    expect(page.column('Most attempts', 'traceIdHidden')).toEqual(retried.map((c) => c.traceId));
    expect(page.column('Most attempts', ATTR_CALL_ATTEMPTS)).toEqual(retried.map((c) => c.attempts));
    const waited = s.calls.filter((c) => c.backoffMs > 0).sort((a, b) => b.backoffMs - a.backoffMs);
    expect(page.column('Longest backoff', 'duration')).toEqual(waited.map((c) => c.backoffMs));
    expect(page.column('Failed after retries', 'traceIdHidden')).toEqual(
      retried.filter((c) => c.failed).map((c) => c.traceId)
    );
    expect(page.column('Fell back', 'traceIdHidden')).toEqual(s.calls.filter((c) => c.fellBack).map((c) => c.traceId));
    page.deactivate();
  });

  it('the Breakers page shows each breaker’s state, the open count, the transitions and the fallbacks', async () => {
    const page = await renderPage(breakersScene, s);
    expect(
      page.shown('Breaker state').map((x) => [x.labels[LABEL.SERVICE], x.labels[LABEL.BREAKER_KEY], x.text])
    ).toEqual(s.breakers.map((b) => [b.service, b.key, b.state]));
    const open = page.shown('Breakers open');
    expect(open.map((x) => x.text)).toEqual([String(notClosed(s))]);
    expect(open[0].color).toBe(color(notClosed(s) > 0 ? 'red' : 'green'));
    expect(page.column('Breaker transitions', LABEL.BREAKER_TO)).toEqual(s.transitions.map((t) => t.to));
    expect(page.column('Fallbacks', LABEL.FALLBACK_TO)).toEqual(s.fallbacks.map((f) => f.to));
    page.deactivate();
  });
});

describe('the situations', () => {
  it('are what their names say (a fixture that drifted would make the page tests vacuous)', () => {
    expect(Object.values(SITUATIONS.calm.states).every((v) => v === 0)).toBe(true);
    expect(SITUATIONS.storm.calls.some((c) => c.attempts > 1)).toBe(true);
    const open = SITUATIONS.breakerOpen.breakers.find((b) => b.state === BreakerState.OPEN);
    expect(open && BREAKER_STATE_GAUGE_VALUE[open.state]).toBe(1);
    expect(SITUATIONS.breakerOpen.fallbacks.map((f) => [f.from, f.to])).toEqual([[MODEL, FALLBACK_MODEL]]);
  });

  it('are answered for the selected services only, as the datasources match them', () => {
    expect(['checkout', 'batch'].filter(serviceFilter('rate(x{job=~"checkout", m=~".*"}[5m])'))).toEqual(['checkout']);
    expect(['checkout', 'batch'].filter(serviceFilter('{ resource.service.name =~ "batch|other" }'))).toEqual([
      'batch',
    ]);
    // Anchored: a prefix is no match.
    expect(['checkout', 'checkout-eu'].filter(serviceFilter('x{job=~"checkout"}'))).toEqual(['checkout']);
    expect(['checkout', 'batch'].filter(serviceFilter('x{job=~".*"}'))).toEqual(['checkout', 'batch']);
    expect(['checkout'].filter(serviceFilter('ALERTS{alertstate="firing"}'))).toEqual(['checkout']);
  });
});
