import React from 'react';
import { render, screen, act } from '@testing-library/react';
import { FieldType, createDataFrame, type DataQueryRequest } from '@grafana/data';
import { SceneQueryRunner, VizPanel, sceneGraph, type EmbeddedScene, type SceneObject } from '@grafana/scenes';
import {
  METRIC_BREAKER_STATE,
  METRIC_BREAKER_TRANSITIONS,
  METRIC_STORE_SHARING,
  PROBE_METRICS,
  RULE_QUEUE_BATCH_COST_PER_HOUR,
  RULE_QUEUE_BATCH_TASKS_RATE,
  RULE_QUEUE_DEADLINE_SLACK,
  RULE_QUEUE_DRAINED_RATE,
  RULE_QUEUE_OLDEST_PENDING_AGE,
  RULE_QUEUE_TASKS,
  RULE_STORE_LOCAL_ANSWERS_RATE,
  metricDefinition,
} from '@stormwatch/conventions';
import { DEFAULT_STORM_THRESHOLDS, LABEL, costUsd } from '@stormwatch/queries';
import { PLUGIN_ID, VAR_MODEL, VAR_SERVICE } from '../constants';
import { activateFullSceneTree } from '../test/activateFullSceneTree';
import { PROM_UID, TEMPO_UID, installFakeGrafana, requests } from '../test/fakeGrafana';
import type { ResolvedSettings } from '../settings';
import { overviewScene } from './overviewScene';
import { stormsScene } from './stormsScene';
import { stormDetailScene } from './stormDetailScene';
import { costScene } from './costScene';
import { tracesScene } from './tracesScene';
import { serviceScene } from './serviceScene';
import { breakersScene } from './breakersScene';
import { TelemetryNotice } from './TelemetryNotice';

/** Series without a model label (breakers by key, the store per process): their queries filter by service only. */
const WITHOUT_MODEL = [
  ...[METRIC_BREAKER_STATE, METRIC_BREAKER_TRANSITIONS, METRIC_STORE_SHARING].map(
    (m) => metricDefinition(m).prometheusName
  ),
  RULE_STORE_LOCAL_ANSWERS_RATE,
  // A deferral queue is a service's, no model's.
  RULE_QUEUE_TASKS,
  RULE_QUEUE_OLDEST_PENDING_AGE,
  RULE_QUEUE_DRAINED_RATE,
  RULE_QUEUE_DEADLINE_SLACK,
  RULE_QUEUE_BATCH_TASKS_RATE,
  RULE_QUEUE_BATCH_COST_PER_HOUR,
  // Alerts carry the labels of their expression; not every alert has a model.
  'ALERTS{',
];

/** The probe's and the status page's series: the provider seen from outside the services, so no service filter. */
const OUTSIDE_THE_SERVICES = PROBE_METRICS.map((m) => m.prometheusName);
const outsideTheServices = (text: string) => OUTSIDE_THE_SERVICES.some((series) => text.includes(series));

const settings: ResolvedSettings = {
  prometheusDatasourceUid: PROM_UID,
  tempoDatasourceUid: TEMPO_UID,
  stormThresholds: DEFAULT_STORM_THRESHOLDS,
};

const oneSample = () =>
  createDataFrame({
    refId: 'probe',
    fields: [
      { name: 'Time', type: FieldType.time, values: [1] },
      { name: 'Value', type: FieldType.number, values: [3], labels: { job: 'checkout' } },
    ],
  });

type Target = { refId: string; expr?: string; query?: string; datasource?: { uid?: string } };

async function flush() {
  for (let i = 0; i < 5; i++) {
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
  }
}

async function activate(scene: EmbeddedScene) {
  const deactivate = activateFullSceneTree(scene);
  await flush();
  return deactivate;
}

function targetsOf(reqs: DataQueryRequest[]): Target[] {
  return reqs.flatMap((r) => r.targets as Target[]);
}

const SCENES: Array<[string, (s: ResolvedSettings) => EmbeddedScene]> = [
  ['overview', overviewScene],
  ['storms', stormsScene],
  ['storm drill-down', stormDetailScene],
  ['cost', costScene],
  ['traces', tracesScene],
  ['breakers & fallbacks', breakersScene],
  ['service', serviceScene],
];

describe.each(SCENES)('the %s scene', (_name, build) => {
  beforeEach(() => {
    installFakeGrafana(() => ({ frames: [oneSample()] }));
  });

  it('builds and queries the configured datasources', async () => {
    const scene = build(settings);
    const deactivate = await activate(scene);
    expect(requests.length).toBeGreaterThan(0);
    const uids = new Set(requests.map((r) => (r.targets[0] as Target).datasource?.uid));
    for (const uid of uids) {
      expect([PROM_UID, TEMPO_UID]).toContain(uid);
    }
    deactivate();
  });

  it('puts the service variable in every query and the model variable where the metric has a model', async () => {
    const scene = build(settings);
    const deactivate = await activate(scene);
    const targets = targetsOf(requests);
    expect(targets.length).toBeGreaterThan(0);
    for (const t of targets) {
      const text = t.expr ?? t.query ?? '';
      if (outsideTheServices(text)) {
        continue;
      }
      expect(text).toContain('$service');
      if (!WITHOUT_MODEL.some((series) => text.includes(series))) {
        expect(text).toContain('$model');
      }
    }
    deactivate();
  });

  it('interpolates the selected service and model into its queries', async () => {
    const scene = build(settings);
    const deactivate = await activate(scene);
    const service = sceneGraph.lookupVariable('service', scene)!;
    const model = sceneGraph.lookupVariable('model', scene)!;
    await act(async () => {
      (service as unknown as { changeValueTo: (v: string[]) => void }).changeValueTo(['checkout']);
      (model as unknown as { changeValueTo: (v: string[]) => void }).changeValueTo(['claude-sonnet-4-5']);
    });
    await flush();
    const targets = targetsOf(requests);
    const prom = targets.find((t) => t.expr !== undefined && !outsideTheServices(t.expr));
    const tempo = targets.find((t) => t.query !== undefined);
    const text = prom?.expr ?? tempo?.query ?? '';
    const interpolated = sceneGraph.interpolate(scene, text);
    expect(interpolated).toContain('checkout');
    expect(interpolated).not.toContain('$service');
    deactivate();
  });
});

describe('the cost scene', () => {
  beforeEach(() => {
    installFakeGrafana(() => ({ frames: [oneSample()] }));
  });

  it.each([
    ['model', LABEL.MODEL],
    ['service', LABEL.SERVICE],
    ['policy', LABEL.POLICY],
  ])(
    'shows useful against wasted USD by %s over the range, with the service and model variables',
    async (what, label) => {
      const scene = costScene(settings);
      const panel = sceneGraph.findObject(
        scene,
        (o) => o instanceof VizPanel && o.state.title === `USD by ${what}`
      ) as VizPanel | null;
      expect(panel).not.toBeNull();
      const [query] = (panel!.state.$data as SceneQueryRunner).state.queries;
      const filters = { service: { variable: VAR_SERVICE }, model: { variable: VAR_MODEL } };
      expect(query.expr).toBe(costUsd({ ...filters, by: [label], range: '$__range' }));
      expect(query.expr).toContain(`sum by (${label}, ${LABEL.COST_KIND})`);
      expect(query.legendFormat).toContain(`{{${label}}}`);

      const deactivate = await activate(scene);
      const service = sceneGraph.lookupVariable(VAR_SERVICE, scene)!;
      await act(async () => {
        (service as unknown as { changeValueTo: (v: string[]) => void }).changeValueTo(['checkout']);
      });
      await flush();
      expect(targetsOf(requests).filter((t) => t.expr === query.expr).length).toBeGreaterThan(0);
      const interpolated = sceneGraph.interpolate(panel!, String(query.expr));
      expect(interpolated).toContain(`${LABEL.SERVICE}=~"checkout"`);
      expect(interpolated).toContain(`${LABEL.MODEL}=~".*"`);
      expect(interpolated).not.toMatch(new RegExp(`\\$(${VAR_SERVICE}|${VAR_MODEL})`));
      deactivate();
    }
  );
});

function notice(scene: SceneObject): TelemetryNotice {
  const found = sceneGraph.findObject(scene, (o) => o instanceof TelemetryNotice);
  if (!found) {
    throw new Error('no TelemetryNotice');
  }
  return found as TelemetryNotice;
}

describe('empty and error states', () => {
  it('shows the empty state with the quick start link when no telemetry exists', async () => {
    installFakeGrafana(() => ({ frames: [] }));
    const scene = overviewScene(settings);
    const deactivate = await activate(scene);
    const n = notice(scene);
    render(<n.Component model={n} />);
    expect(screen.getByTestId('stormwatch-empty-state')).toBeInTheDocument();
    // The app's own page in Grafana, which shows the packaged README (links.test.ts).
    expect(screen.getByText('quick start')).toHaveAttribute('href', `/plugins/${PLUGIN_ID}`);
    deactivate();
  });

  it('shows the query error when Prometheus fails', async () => {
    installFakeGrafana(() => ({ error: 'connection refused' }));
    const scene = costScene(settings);
    const deactivate = await activate(scene);
    const n = notice(scene);
    render(<n.Component model={n} />);
    expect(screen.getByTestId('stormwatch-query-error')).toHaveTextContent('Cannot query the Prometheus datasource');
    expect(screen.getByTestId('stormwatch-query-error')).toHaveTextContent('connection refused');
    deactivate();
  });

  it('shows the Tempo error on the traces page', async () => {
    installFakeGrafana(() => ({ error: 'tempo unreachable' }));
    const scene = tracesScene(settings);
    const deactivate = await activate(scene);
    const n = notice(scene);
    render(<n.Component model={n} />);
    expect(screen.getByTestId('stormwatch-query-error')).toHaveTextContent('Cannot query the Tempo datasource');
    deactivate();
  });

  it('says when no traces exist yet', async () => {
    installFakeGrafana(() => ({ frames: [] }));
    const scene = tracesScene(settings);
    const deactivate = await activate(scene);
    const n = notice(scene);
    render(<n.Component model={n} />);
    expect(screen.getByTestId('stormwatch-empty-state')).toHaveTextContent('No Stormwatch traces yet');
    deactivate();
  });

  it('renders nothing when telemetry exists', async () => {
    installFakeGrafana(() => ({ frames: [oneSample()] }));
    const scene = breakersScene(settings);
    const deactivate = await activate(scene);
    const n = notice(scene);
    const { container } = render(<n.Component model={n} />);
    expect(container).toBeEmptyDOMElement();
    deactivate();
  });
});
