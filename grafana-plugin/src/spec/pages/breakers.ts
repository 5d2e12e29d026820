import { MappingType, type ValueMapping } from '@grafana/schema';
import { BREAKER_STATE_GAUGE_VALUE, BreakerState } from '@stormwatch/conventions';
import { ALERT_THRESHOLDS, LABEL } from '@stormwatch/queries';
import { ROUTES } from '../../constants';
import { redFrom, type PageSpec } from '../PageSpec';
import { FILTERS, legend, stat, timeseries, traceTable, type PageEnv } from '../panels';

const STATE_COLORS: Record<BreakerState, string> = {
  [BreakerState.CLOSED]: 'green',
  [BreakerState.OPEN]: 'red',
  [BreakerState.HALF_OPEN]: 'orange',
};

/** Value mappings of the breaker-state gauge: 0 closed, 1 open, 2 half-open. */
export function breakerStateMappings(): ValueMapping[] {
  const options: Record<string, { text: string; color: string; index: number }> = {};
  Object.values(BreakerState).forEach((state, index) => {
    options[String(BREAKER_STATE_GAUGE_VALUE[state])] = { text: state, color: STATE_COLORS[state], index };
  });
  return [{ type: MappingType.ValueToText, options }];
}

const FALLBACK_LEGEND = `${legend(LABEL.FALLBACK_FROM)} → ${legend(LABEL.FALLBACK_TO)} (${legend(LABEL.FALLBACK_REASON)})`;

/** Breakers & fallbacks: breaker state per key over time, its transitions, and fallbacks from model to model and why. */
export function breakersPage(env: PageEnv): PageSpec {
  return {
    title: 'Stormwatch breakers and fallbacks',
    description:
      'Circuit breaker state per key, its transitions, and the fallbacks from model to model with their reasons.',
    route: ROUTES.Breakers,
    rows: [
      [
        {
          type: 'state-timeline',
          title: 'Breaker state',
          description: 'State of each circuit breaker over time.',
          queries: [{ id: 'breakerStateTimeline', params: FILTERS, legend: legend(LABEL.SERVICE, LABEL.BREAKER_KEY) }],
          w: 18,
          h: 8,
          mappings: breakerStateMappings(),
          options: { showValue: 'never', mergeValues: true, rowHeight: 0.9 },
        },
        {
          ...stat(
            'Breakers open',
            'Circuit breakers open or half-open now; red from where the breaker alert fires (after a minute).',
            { id: 'breakersOpen', params: FILTERS },
            'short',
            redFrom(ALERT_THRESHOLDS.breakerNotClosed)
          ),
          w: 6,
          h: 8,
        },
      ],
      [
        {
          type: 'table',
          title: 'Breaker transitions',
          description: 'Transitions over the time range by breaker key, from and to state.',
          queries: [
            { id: 'breakerTransitions', params: { ...FILTERS, range: '$__range' }, instant: true, format: 'table' },
          ],
          hideColumns: ['Time'],
          w: 12,
          h: 8,
          unit: 'short',
        },
        {
          type: 'table',
          title: 'Fallbacks',
          description: 'Fallbacks over the time range from model to model, and why.',
          queries: [{ id: 'fallbacks', params: { ...FILTERS, range: '$__range' }, instant: true, format: 'table' }],
          hideColumns: ['Time'],
          w: 12,
          h: 8,
          unit: 'short',
        },
      ],
      [
        timeseries(
          'Fallbacks by reason',
          'Fallbacks per rate interval from model to model, and why.',
          [{ id: 'fallbacks', params: { ...FILTERS, range: '$__rate_interval' }, legend: FALLBACK_LEGEND }],
          'short',
          24
        ),
      ],
      [
        {
          ...traceTable(
            env,
            'Calls that fell back',
            'Calls that succeeded only on a fallback model; open a row to see its trace.',
            'fellBack'
          ),
          w: 24,
        },
      ],
    ],
  };
}
