import React from 'react';
import { existsSync } from 'fs';
import path from 'path';
import { act, render, screen } from '@testing-library/react';
import {
  FieldType,
  createDataFrame,
  createTheme,
  getDisplayProcessor,
  type DataFrame,
  type DataQueryRequest,
  type ValueMapping,
} from '@grafana/data';
import { VizPanel, sceneGraph, type EmbeddedScene } from '@grafana/scenes';
import { ALERT_BREAKER_OPEN, ALERT_RETRY_STORM, COMPONENT_STATUS_GAUGE_VALUE } from '@stormwatch/conventions';
import { DEFAULT_STORM_THRESHOLDS, LABEL, SERVICE_STATE, STATUS_LABEL } from '@stormwatch/queries';
import { RUNBOOKS_URL } from '../constants';
import { activateFullSceneTree } from '../test/activateFullSceneTree';
import { PROM_UID, TEMPO_UID, installFakeGrafana } from '../test/fakeGrafana';
import type { ResolvedSettings } from '../settings';
import { breakersScene } from './breakersScene';
import { costScene } from './costScene';
import { overviewScene } from './overviewScene';
import { stormsScene } from './stormsScene';
import { tracesScene } from './tracesScene';
import { serviceScene } from './serviceScene';
import { TelemetryNotice } from './TelemetryNotice';

const settings: ResolvedSettings = {
  prometheusDatasourceUid: PROM_UID,
  tempoDatasourceUid: TEMPO_UID,
  stormThresholds: DEFAULT_STORM_THRESHOLDS,
};

const MODEL = 'claude-sonnet-4-5';

/** What Prometheus answers in one situation: the state per service, the firing alerts, the status page. */
interface Situation {
  states: Record<string, number>;
  alerts: Array<{ alertname: string; job: string }>;
  status: number;
}

const SITUATIONS: Record<'calm' | 'storm' | 'breaker open', Situation> = {
  calm: {
    states: { checkout: SERVICE_STATE.CALM, batch: SERVICE_STATE.CALM },
    alerts: [],
    status: COMPONENT_STATUS_GAUGE_VALUE.operational,
  },
  storm: {
    states: { checkout: SERVICE_STATE.STORM, batch: SERVICE_STATE.CALM },
    alerts: [{ alertname: ALERT_RETRY_STORM, job: 'checkout' }],
    status: COMPONENT_STATUS_GAUGE_VALUE.operational,
  },
  'breaker open': {
    states: { checkout: SERVICE_STATE.BREAKER_OPEN, batch: SERVICE_STATE.OVERLOADED },
    alerts: [{ alertname: ALERT_BREAKER_OPEN, job: 'checkout' }],
    status: COMPONENT_STATUS_GAUGE_VALUE.partial_outage,
  },
};

function respond(s: Situation) {
  return (request: DataQueryRequest) => {
    const frames: DataFrame[] = [];
    for (const target of request.targets) {
      if (target.refId === 'serviceModelState') {
        for (const [job, state] of Object.entries(s.states)) {
          frames.push(
            createDataFrame({
              refId: target.refId,
              fields: [
                { name: 'Time', type: FieldType.time, values: [1] },
                {
                  name: 'Value',
                  type: FieldType.number,
                  values: [state],
                  labels: { [LABEL.SERVICE]: job, [LABEL.MODEL]: MODEL },
                },
              ],
            })
          );
        }
      } else if (target.refId === 'firingAlerts') {
        frames.push(
          createDataFrame({
            refId: target.refId,
            fields: [
              { name: 'Time', type: FieldType.time, values: s.alerts.map(() => 1) },
              { name: 'alertname', type: FieldType.string, values: s.alerts.map((a) => a.alertname) },
              { name: LABEL.SERVICE, type: FieldType.string, values: s.alerts.map((a) => a.job) },
              { name: 'Value', type: FieldType.number, values: s.alerts.map(() => 1) },
            ],
          })
        );
      } else if (target.refId === 'statusComponents') {
        frames.push(
          createDataFrame({
            refId: target.refId,
            fields: [
              { name: 'Time', type: FieldType.time, values: [1] },
              {
                name: 'Value',
                type: FieldType.number,
                values: [s.status],
                labels: { [STATUS_LABEL.COMPONENT]: 'API' },
              },
            ],
          })
        );
      } else {
        frames.push(
          createDataFrame({
            refId: target.refId,
            fields: [
              { name: 'Time', type: FieldType.time, values: [1] },
              { name: 'Value', type: FieldType.number, values: [1], labels: { [LABEL.SERVICE]: 'checkout' } },
            ],
          })
        );
      }
    }
    return { frames };
  };
}

async function flush() {
  for (let i = 0; i < 5; i++) {
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
  }
}

function panel(scene: EmbeddedScene, title: string): VizPanel {
  const found = sceneGraph.findObject(scene, (o) => o instanceof VizPanel && o.state.title === title);
  if (!found) {
    throw new Error(`no panel ${title}`);
  }
  return found as VizPanel;
}

const theme = createTheme();

/**
 * What a stat panel displays per series: its legend labels and the mapped text and colour.
 * `mappings` are the panel's as built: the tests' stub panel plugins have no field options,
 * so an activated panel drops them.
 */
function displayed(p: VizPanel, mappings: ValueMapping[]) {
  const series = sceneGraph.getData(p).state.data?.series ?? [];
  return series.map((frame) => {
    const value = frame.fields[1];
    // As the stat panel shows it: Grafana's display processor with the panel's mappings.
    const shown = getDisplayProcessor({ field: { ...value, config: { mappings } }, theme })(value.values[0]);
    return { labels: value.labels, text: shown.text, color: shown.color };
  });
}

describe.each(Object.entries(SITUATIONS))('the Overview when %s', (name, situation) => {
  it('colours each service and model by its state, and lists the firing alerts with their runbook', async () => {
    installFakeGrafana(respond(situation));
    const scene = overviewScene(settings);
    const mappingsOf = (title: string) =>
      (panel(scene, title).state.fieldConfig.defaults.mappings ?? []) as ValueMapping[];
    const stateMappings = mappingsOf('State by service and model');
    const statusMappings = mappingsOf('Status page');
    expect(stateMappings.length).toBe(1);
    const link = panel(scene, 'Firing alerts').state.fieldConfig.overrides.find(
      (o) => o.matcher.options === 'alertname'
    )?.properties[0].value as Array<{ url: string }>;
    const deactivate = activateFullSceneTree(scene);
    await flush();

    const words = {
      0: ['calm', 'green'],
      1: ['storm', 'orange'],
      2: ['overloaded', 'red'],
      3: ['breaker open', 'purple'],
    };
    expect(displayed(panel(scene, 'State by service and model'), stateMappings)).toEqual(
      Object.entries(situation.states).map(([job, state]) => ({
        labels: { [LABEL.SERVICE]: job, [LABEL.MODEL]: MODEL },
        text: words[state as keyof typeof words][0],
        color: theme.visualization.getColorByName(words[state as keyof typeof words][1]),
      }))
    );
    const status = displayed(panel(scene, 'Status page'), statusMappings)[0];
    expect(status.text).toBe(name === 'breaker open' ? 'partial outage' : 'operational');

    const alerts = panel(scene, 'Firing alerts');
    const frame = sceneGraph.getData(alerts).state.data?.series[0];
    const names = frame?.fields.find((f) => f.name === 'alertname')?.values ?? [];
    expect(names).toEqual(situation.alerts.map((a) => a.alertname));
    for (const alertname of names) {
      const url = link[0].url.replace('${__value.raw}', alertname);
      expect(url).toBe(`${RUNBOOKS_URL}/${alertname}.md`);
      // The runbook the link names exists in the repository.
      expect(existsSync(path.join(__dirname, '..', '..', '..', 'docs', 'runbooks', `${alertname}.md`))).toBe(true);
    }
    deactivate();
  });
});

describe('every Overview cell that names a service opens the service page', () => {
  const scene = overviewScene(settings);
  const service = 'checkout';
  const expected = `/a/stormwatch-stormwatch-app/overview/service?var-service=${service}&from=1&to=2&var-prometheus=${PROM_UID}&var-tempo=${TEMPO_UID}`;
  /** A data link's URL as Grafana fills it in for a cell of `service`. */
  const fill = (url: string) =>
    url
      .replace('${__value.raw}', service)
      .replace(`\${__field.labels.${LABEL.SERVICE}}`, service)
      .replace('${__url_time_range}', 'from=1&to=2')
      .replace('${prometheus}', PROM_UID)
      .replace('${tempo}', TEMPO_UID);
  const urls = (links: unknown) => (links as Array<{ url: string }>).map((l) => fill(l.url));

  it('from the state of each service and model', () => {
    expect(urls(panel(scene, 'State by service and model').state.fieldConfig.defaults.links)).toEqual([expected]);
  });

  it.each([
    ['Firing alerts', LABEL.SERVICE],
    ['By service and model', LABEL.SERVICE],
  ])('from the service column of %s', (title, field) => {
    const override = panel(scene, title).state.fieldConfig.overrides.find((o) => o.matcher.options === field);
    expect(urls(override?.properties.find((p) => p.id === 'links')?.value)).toEqual([expected]);
  });
});

function notice(scene: EmbeddedScene): TelemetryNotice {
  return sceneGraph.findObject(scene, (o) => o instanceof TelemetryNotice) as TelemetryNotice;
}

describe.each([
  ['overview', overviewScene, 'Prometheus', 'metrics'],
  ['storms', stormsScene, 'Prometheus', 'metrics'],
  ['cost', costScene, 'Prometheus', 'metrics'],
  ['breakers & fallbacks', breakersScene, 'Prometheus', 'metrics'],
  ['traces', tracesScene, 'Tempo', 'traces'],
  ['service', serviceScene, 'Prometheus', 'metrics'],
] as const)('the %s page', (_name, build, datasource, what) => {
  it('shows the empty state when no telemetry exists', async () => {
    installFakeGrafana(() => ({ frames: [] }));
    const scene = build(settings);
    const deactivate = activateFullSceneTree(scene);
    await flush();
    const n = notice(scene);
    render(<n.Component model={n} />);
    expect(screen.getByTestId('stormwatch-empty-state')).toHaveTextContent(
      what === 'traces' ? 'No Stormwatch traces yet' : 'No Stormwatch'
    );
    deactivate();
  });

  it('says which datasource fails', async () => {
    installFakeGrafana(() => ({ error: 'upstream unreachable' }));
    const scene = build(settings);
    const deactivate = activateFullSceneTree(scene);
    await flush();
    const n = notice(scene);
    render(<n.Component model={n} />);
    expect(screen.getByTestId('stormwatch-query-error')).toHaveTextContent(`Cannot query the ${datasource} datasource`);
    expect(screen.getByTestId('stormwatch-query-error')).toHaveTextContent('upstream unreachable');
    deactivate();
  });
});
