import { MappingType } from '@grafana/data';
import { EmbeddedScene, PanelBuilders, SceneFlexLayout } from '@grafana/scenes';
import { BREAKER_STATE_GAUGE_VALUE, BreakerState } from '@stormwatch/conventions';
import { LABEL, breakerStateTimeline, breakerTransitions, fallbacks } from '@stormwatch/queries';
import type { ResolvedSettings } from '../settings';
import { FILTERS, defaultControls, defaultTimeRange, promRunner } from './common';
import { metricsNotice, row, timeseries } from './panels';
import { createVariables } from './variables';

const STATE_COLORS: Record<BreakerState, string> = {
  [BreakerState.CLOSED]: 'green',
  [BreakerState.OPEN]: 'red',
  [BreakerState.HALF_OPEN]: 'orange',
};

/** Value mappings of the breaker-state gauge: 0 closed, 1 open, 2 half-open. */
export function breakerStateMappings() {
  const options: Record<string, { text: string; color: string; index: number }> = {};
  Object.values(BreakerState).forEach((state, index) => {
    options[String(BREAKER_STATE_GAUGE_VALUE[state])] = { text: state, color: STATE_COLORS[state], index };
  });
  return [{ type: MappingType.ValueToText as const, options }];
}

/** Breakers & fallbacks: breaker state per key over time, its transitions, and fallbacks from model to model and why. */
export function breakersScene(settings: ResolvedSettings) {
  return new EmbeddedScene({
    $timeRange: defaultTimeRange(),
    $variables: createVariables(settings),
    controls: defaultControls(),
    body: new SceneFlexLayout({
      direction: 'column',
      children: [
        metricsNotice(),
        row(280, [
          PanelBuilders.statetimeline()
            .setTitle('Breaker state')
            .setData(
              promRunner([
                {
                  refId: 'state',
                  expr: breakerStateTimeline(FILTERS),
                  legendFormat: `{{${LABEL.SERVICE}}} {{${LABEL.BREAKER_KEY}}}`,
                },
              ])
            )
            .setMappings(breakerStateMappings())
            .build(),
        ]),
        row(260, [
          PanelBuilders.table()
            .setTitle('Transitions in range')
            .setData(
              promRunner([
                {
                  refId: 'transitions',
                  expr: breakerTransitions({ ...FILTERS, range: '$__range' }),
                  legendFormat: `{{${LABEL.BREAKER_KEY}}} {{${LABEL.BREAKER_FROM}}} → {{${LABEL.BREAKER_TO}}}`,
                  instant: true,
                  format: 'table',
                },
              ])
            )
            .build(),
          PanelBuilders.table()
            .setTitle('Fallbacks in range')
            .setData(
              promRunner([
                {
                  refId: 'fallbacks',
                  expr: fallbacks({ ...FILTERS, range: '$__range' }),
                  legendFormat: `{{${LABEL.FALLBACK_FROM}}} → {{${LABEL.FALLBACK_TO}}} ({{${LABEL.FALLBACK_REASON}}})`,
                  instant: true,
                  format: 'table',
                },
              ])
            )
            .build(),
        ]),
        row(260, [
          timeseries(
            'Fallbacks by reason',
            [
              {
                refId: 'fallbackRate',
                expr: fallbacks({ ...FILTERS, range: '$__rate_interval' }),
                legendFormat: `{{${LABEL.FALLBACK_FROM}}} → {{${LABEL.FALLBACK_TO}}} ({{${LABEL.FALLBACK_REASON}}})`,
              },
            ],
            'short'
          ),
        ]),
      ],
    }),
  });
}
