import { ALERT_THRESHOLDS, LABEL } from '@stormwatch/queries';
import { ROUTES, SERVICE_DRILLDOWN } from '../../constants';
import { redFrom, type PageSpec } from '../PageSpec';
import { breakerStateMappings } from './breakers';
import {
  ATTEMPTS_FIELD,
  CALL_EXEMPLARS_NOTE,
  EVENT_ANNOTATIONS,
  FILTERS,
  STATE_MAPPINGS,
  TOTAL,
  legend,
  stat,
  timeseries,
  traceTable,
  type PageEnv,
  callExemplars,
} from '../panels';

const BY_MODEL = legend(LABEL.MODEL);
const PER_MODEL = { ...FILTERS, by: [LABEL.SERVICE, LABEL.MODEL] };

/**
 * One service (the `service` variable, set by the link that opened the page): its models'
 * state, its alerts, its storms' inputs, cost and breakers, and its worst calls.
 */
export function servicePage(env: PageEnv): PageSpec {
  return {
    title: 'Stormwatch service',
    description:
      'One service: the state of its models, its alerts, retries and overload, cost, breakers and worst calls.',
    route: `${ROUTES.Overview}/${SERVICE_DRILLDOWN}`,
    annotations: EVENT_ANNOTATIONS,
    rows: [
      [
        {
          ...stat(
            'State by model',
            'Now, at the alerts’ thresholds: breaker open, overloaded, storm or calm.',
            { id: 'serviceModelState', params: FILTERS, legend: BY_MODEL },
            'none'
          ),
          w: 12,
          h: 5,
          mappings: STATE_MAPPINGS,
          options: {
            graphMode: 'none',
            colorMode: 'background',
            textMode: 'value_and_name',
            reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
          },
        },
        {
          type: 'table',
          title: 'Firing alerts',
          description: 'Stormwatch alerts firing now for this service.',
          queries: [{ id: 'firingAlerts', params: FILTERS, instant: true, format: 'table' }],
          hideColumns: ['Time', 'Value', '__name__', 'alertstate'],
          w: 6,
          h: 5,
        },
        {
          ...stat(
            'USD/h now',
            'Spend per hour at the current rate, useful and wasted.',
            { id: 'costUsdPerHour', params: TOTAL, legend: legend(LABEL.COST_KIND) },
            'currencyUSD'
          ),
          w: 6,
          h: 5,
        },
      ],
      [
        timeseries(
          'Retry amplification by model',
          'Attempts per call; red above the retry-storm alert.',
          [{ id: 'retryAmplification', params: PER_MODEL, legend: BY_MODEL }],
          'x',
          8,
          { thresholds: redFrom(ALERT_THRESHOLDS.retryAmplification) }
        ),
        timeseries(
          'Overload ratio by model',
          'Share of attempts answered 529; red above the overload alert.',
          [{ id: 'overloadRatio', params: PER_MODEL, legend: BY_MODEL }],
          'percentunit',
          8,
          { thresholds: redFrom(ALERT_THRESHOLDS.overloadRatio) }
        ),
        timeseries(
          'Wasted USD/h by model',
          'Wasted burn rate by model.',
          [{ id: 'wastedUsdPerHour', params: PER_MODEL, legend: BY_MODEL }],
          'currencyUSD',
          8
        ),
      ],
      [
        {
          type: 'state-timeline',
          title: 'Breaker state',
          description: 'State of each circuit breaker of the service over time.',
          queries: [{ id: 'breakerStateTimeline', params: FILTERS, legend: legend(LABEL.BREAKER_KEY) }],
          w: 12,
          h: 7,
          mappings: breakerStateMappings(),
          options: { showValue: 'never', mergeValues: true, rowHeight: 0.9 },
        },
        timeseries(
          'Call duration p95 by model',
          `How long calls take, backoff included. ${CALL_EXEMPLARS_NOTE}`,
          [{ id: 'callDurationP95', params: PER_MODEL, legend: BY_MODEL }, callExemplars(PER_MODEL)],
          's',
          12,
          { h: 7 }
        ),
      ],
      [
        traceTable(
          env,
          'Calls with the most attempts',
          'The service’s calls that needed more than one attempt, most attempts first.',
          'callsWithMostAttempts',
          { field: ATTEMPTS_FIELD, desc: true }
        ),
        traceTable(
          env,
          'Failed after retries',
          'The service’s calls that failed although retried, most attempts first.',
          'failedAfterRetries',
          { field: ATTEMPTS_FIELD, desc: true }
        ),
      ],
    ],
  };
}
