import { EmbeddedScene, SceneFlexItem, SceneFlexLayout } from '@grafana/scenes';
import { anyCalls } from '@stormwatch/queries';
import type { ResolvedSettings } from '../settings';
import { tracesPage } from '../spec/pages/traces';
import { toSceneRows } from '../spec/toScene';
import { FILTERS, defaultControls, defaultTimeRange, tempoRunner } from './common';
import { TelemetryNotice } from './TelemetryNotice';
import { tracesDrilldownInstalled } from './tracePanels';
import { createVariables } from './variables';

/**
 * Traces, rendered from its page spec (src/spec/pages/traces.ts): the worst calls from
 * Tempo sorted by what each table is about, each row opening its trace in Explore (and
 * Traces Drilldown). No bundled dashboard: the dashboards carry these tables beside their figures.
 */
export function tracesScene(settings: ResolvedSettings) {
  return new EmbeddedScene({
    $timeRange: defaultTimeRange(),
    $variables: createVariables(settings),
    controls: defaultControls(),
    body: new SceneFlexLayout({
      direction: 'column',
      children: [
        new SceneFlexItem({
          body: new TelemetryNotice({ what: 'traces', $data: tempoRunner('probe', anyCalls(FILTERS), 1) }),
        }),
        ...toSceneRows(tracesPage({ drilldown: tracesDrilldownInstalled() })),
      ],
    }),
  });
}
