import { EmbeddedScene, SceneFlexLayout } from '@grafana/scenes';
import {
  attemptsByError,
  callsWithMostAttempts,
  failedAfterRetries,
  overloadRatio,
  retryAmplification,
  retryWaves,
  wastedUsdPerHour,
} from '@stormwatch/queries';
import type { ResolvedSettings } from '../settings';
import { FILTERS, SERVICE_MODEL_LEGEND, defaultControls, defaultTimeRange } from './common';
import { metricsNotice, row, timeseries } from './panels';
import { traceTable } from './tracePanels';
import { createVariables } from './variables';

/**
 * One storm: its interval (the URL's from/to), services and models (the URL's variables),
 * what failed, the retry waves and the worst calls' traces.
 */
export function stormDetailScene(settings: ResolvedSettings) {
  return new EmbeddedScene({
    $timeRange: defaultTimeRange(),
    $variables: createVariables(settings),
    controls: defaultControls(),
    body: new SceneFlexLayout({
      direction: 'column',
      children: [
        metricsNotice(),
        row(260, [
          timeseries(
            'Retry amplification',
            [{ refId: 'amp', expr: retryAmplification(FILTERS), legendFormat: SERVICE_MODEL_LEGEND }],
            'x'
          ),
          timeseries(
            'Overload ratio (529)',
            [{ refId: 'overload', expr: overloadRatio(FILTERS), legendFormat: SERVICE_MODEL_LEGEND }],
            'percentunit'
          ),
          timeseries(
            'Wasted USD/h',
            [{ refId: 'wasted', expr: wastedUsdPerHour(FILTERS), legendFormat: SERVICE_MODEL_LEGEND }],
            'currencyUSD'
          ),
        ]),
        row(260, [
          timeseries(
            'Retry waves',
            [{ refId: 'waves', expr: retryWaves({ ...FILTERS, range: '30s' }), legendFormat: SERVICE_MODEL_LEGEND }],
            'reqps',
            {
              minInterval: '5s',
            }
          ),
          timeseries(
            'Failed attempts by error',
            [{ refId: 'errors', expr: attemptsByError(FILTERS), legendFormat: '{{error_type}} · {{job}}' }],
            'reqps'
          ),
        ]),
        row(320, [
          traceTable(
            'Calls with most attempts',
            'mostAttempts',
            callsWithMostAttempts(FILTERS),
            'Calls of this storm that needed retries.'
          ),
          traceTable(
            'Failed after retries',
            'failedAfterRetries',
            failedAfterRetries(FILTERS),
            'Calls that failed although retried.'
          ),
        ]),
      ],
    }),
  });
}
