import { EmbeddedScene, PanelBuilders, SceneFlexLayout } from '@grafana/scenes';
import {
  LABEL,
  costUsd,
  retryAmplification,
  wasteShare,
  wastedTokensByKind,
  wastedUsdPerHour,
} from '@stormwatch/queries';
import type { ResolvedSettings } from '../settings';
import { FILTERS, defaultControls, defaultTimeRange, promRunner } from './common';
import { metricsNotice, row, stat, timeseries } from './panels';
import { createVariables } from './variables';

const TOTAL = { ...FILTERS, by: [] };

function costBars(title: string, by: string[], legend: string) {
  return PanelBuilders.bargauge()
    .setTitle(title)
    .setDescription('USD over the time range, useful against wasted.')
    .setData(
      promRunner([
        { refId: 'cost', expr: costUsd({ ...FILTERS, by, range: '$__range' }), legendFormat: legend, instant: true },
      ])
    )
    .setUnit('currencyUSD')
    .build();
}

/**
 * Cost: what retries cost. Useful against wasted USD by model, by service and by retry
 * policy (the cost metric carries the policy, so the policy that spends is named), wasted
 * tokens by kind (resent by failed attempts, billed for discarded results), and
 * amplification by policy.
 */
export function costScene(settings: ResolvedSettings) {
  return new EmbeddedScene({
    $timeRange: defaultTimeRange(),
    $variables: createVariables(settings),
    controls: defaultControls(),
    body: new SceneFlexLayout({
      direction: 'column',
      children: [
        metricsNotice(),
        row(120, [
          stat('Wasted USD/h now', { refId: 'wastedNow', expr: wastedUsdPerHour(TOTAL) }, 'currencyUSD'),
          stat(
            'Waste share',
            { refId: 'share', expr: wasteShare({ ...TOTAL, range: '$__range' }) },
            'percentunit',
            'Wasted / total cost over the time range.'
          ),
          stat(
            'Cost in range',
            { refId: 'total', expr: costUsd({ ...TOTAL, range: '$__range' }), legendFormat: `{{${LABEL.COST_KIND}}}` },
            'currencyUSD'
          ),
        ]),
        row(260, [
          costBars('Useful vs wasted by model', [LABEL.MODEL], `{{${LABEL.MODEL}}} {{${LABEL.COST_KIND}}}`),
          costBars('Useful vs wasted by service', [LABEL.SERVICE], `{{${LABEL.SERVICE}}} {{${LABEL.COST_KIND}}}`),
          costBars('Useful vs wasted by policy', [LABEL.POLICY], `{{${LABEL.POLICY}}} {{${LABEL.COST_KIND}}}`),
        ]),
        row(280, [
          timeseries(
            'Wasted USD/h by model',
            [
              {
                refId: 'wasted',
                expr: wastedUsdPerHour({ ...FILTERS, by: [LABEL.MODEL] }),
                legendFormat: `{{${LABEL.MODEL}}}`,
              },
            ],
            'currencyUSD'
          ),
          timeseries(
            'Wasted tokens/s by kind',
            [
              {
                refId: 'tokens',
                expr: wastedTokensByKind({ ...FILTERS, range: '$__rate_interval' }),
                legendFormat: `{{${LABEL.WASTE_KIND}}} {{${LABEL.TOKEN_TYPE}}}`,
              },
            ],
            'short'
          ),
          timeseries(
            'Retry amplification by policy',
            [
              {
                refId: 'policy',
                expr: retryAmplification({ ...FILTERS, by: [LABEL.POLICY] }),
                legendFormat: `{{${LABEL.POLICY}}}`,
              },
            ],
            'x'
          ),
        ]),
      ],
    }),
  });
}
