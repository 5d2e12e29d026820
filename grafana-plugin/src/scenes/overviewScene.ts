import { EmbeddedScene, SceneFlexLayout } from '@grafana/scenes';
import {
  attemptsPerSecond,
  breakersOpen,
  callsPerSecond,
  overloadRatio,
  retryAmplification,
  retryExhaustionPerMinute,
  successRatio,
  wasteShare,
  wastedUsdPerHour,
} from '@stormwatch/queries';
import type { ResolvedSettings } from '../settings';
import { FILTERS, SERVICE_MODEL_LEGEND, defaultControls, defaultTimeRange } from './common';
import { metricsNotice, row, stat, timeseries } from './panels';
import { serviceModelTable } from './serviceModelTable';
import { createVariables } from './variables';

const TOTAL = { ...FILTERS, by: [] };

/**
 * Overview: is there a storm right now, and is it our retries or the API? Totals for the
 * selected services and models, then amplification, overload and cost by service and model.
 */
export function overviewScene(settings: ResolvedSettings) {
  return new EmbeddedScene({
    $timeRange: defaultTimeRange(),
    $variables: createVariables(settings),
    controls: defaultControls(),
    body: new SceneFlexLayout({
      direction: 'column',
      children: [
        metricsNotice(),
        row(120, [
          stat('Calls/s', { refId: 'calls', expr: callsPerSecond(TOTAL) }, 'reqps'),
          stat('Attempts/s', { refId: 'attempts', expr: attemptsPerSecond(TOTAL) }, 'reqps'),
          stat(
            'Retry amplification',
            { refId: 'amplification', expr: retryAmplification(TOTAL) },
            'x',
            'Attempts per logical call; 1.0 means no retries.'
          ),
          stat(
            'Overload ratio',
            { refId: 'overload', expr: overloadRatio(TOTAL) },
            'percentunit',
            'Share of attempts answered 529 overloaded_error.'
          ),
        ]),
        row(120, [
          stat('Success ratio', { refId: 'success', expr: successRatio(TOTAL) }, 'percentunit'),
          stat('Breakers open', { refId: 'breakers', expr: breakersOpen(FILTERS) }, 'short'),
          stat('Wasted USD/h', { refId: 'wasted', expr: wastedUsdPerHour(TOTAL) }, 'currencyUSD'),
          stat(
            'Waste share',
            { refId: 'wasteShare', expr: wasteShare({ ...TOTAL, range: '$__range' }) },
            'percentunit',
            'Wasted / total cost over the time range.'
          ),
        ]),
        row(240, [serviceModelTable()]),
        row(280, [
          timeseries(
            'Retry amplification',
            [{ refId: 'amplification', expr: retryAmplification(FILTERS), legendFormat: SERVICE_MODEL_LEGEND }],
            'x'
          ),
          timeseries(
            'Overload ratio (529)',
            [{ refId: 'overload', expr: overloadRatio(FILTERS), legendFormat: SERVICE_MODEL_LEGEND }],
            'percentunit'
          ),
        ]),
        row(280, [
          timeseries(
            'Calls and attempts/s',
            [
              { refId: 'calls', expr: callsPerSecond(FILTERS), legendFormat: `calls ${SERVICE_MODEL_LEGEND}` },
              { refId: 'attempts', expr: attemptsPerSecond(FILTERS), legendFormat: `attempts ${SERVICE_MODEL_LEGEND}` },
            ],
            'reqps'
          ),
          timeseries(
            'Wasted USD/h',
            [{ refId: 'wasted', expr: wastedUsdPerHour(FILTERS), legendFormat: SERVICE_MODEL_LEGEND }],
            'currencyUSD'
          ),
          timeseries(
            'Failed after retries /min',
            [{ refId: 'exhaustion', expr: retryExhaustionPerMinute(FILTERS), legendFormat: SERVICE_MODEL_LEGEND }],
            'short'
          ),
        ]),
      ],
    }),
  });
}
