import { EmbeddedScene, SceneFlexItem, SceneFlexLayout } from '@grafana/scenes';
import { anyCalls, callsWithMostAttempts, failedAfterRetries, fellBack, longestBackoffs } from '@stormwatch/queries';
import type { ResolvedSettings } from '../settings';
import { FILTERS, defaultControls, defaultTimeRange, tempoRunner } from './common';
import { TelemetryNotice } from './TelemetryNotice';
import { row } from './panels';
import { traceTable } from './tracePanels';
import { createVariables } from './variables';

/** Traces: the worst calls from Tempo, each row opening its trace in Explore (and Traces Drilldown). */
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
        row(340, [
          traceTable(
            'Most attempts',
            'mostAttempts',
            callsWithMostAttempts(FILTERS),
            'Calls that needed more than one attempt, with their attempt count.'
          ),
          traceTable(
            'Longest backoff',
            'longestBackoffs',
            longestBackoffs(FILTERS),
            'Waits between attempts; the longest first when sorted by duration.'
          ),
        ]),
        row(340, [
          traceTable(
            'Failed after retries',
            'failedAfterRetries',
            failedAfterRetries(FILTERS),
            'Calls that failed although retried.'
          ),
          traceTable('Fell back', 'fellBack', fellBack(FILTERS), 'Calls that succeeded only on a fallback model.'),
        ]),
      ],
    }),
  });
}
