import { ALERT_THRESHOLDS, LABEL, STATUS_LABEL } from '@stormwatch/queries';
import { ROUTES, RUNBOOKS_URL } from '../../constants';
import { redFrom, type PageSpec, type PanelSpec } from '../PageSpec';
import {
  ATTEMPTS_FIELD,
  CALL_EXEMPLARS_NOTE,
  EVENT_ANNOTATIONS,
  COMPONENT_MAPPINGS,
  FILTERS,
  SERVICE_MODEL,
  STATE_MAPPINGS,
  TOTAL,
  legend,
  serviceLink,
  stat,
  timeseries,
  traceTable,
  type PageEnv,
  callExemplars,
  tracesLink,
} from '../panels';

/** Row index before which the app puts its per-service-and-model table (after the verdict and the headline figures). */
export const OVERVIEW_TABLE_ROW = 3;

/** Verdict first: the state of each service and model, and the Stormwatch alerts firing now. */
function verdict(): PanelSpec[] {
  return [
    {
      ...stat(
        'State by service and model',
        `Now, at the alerts' thresholds: breaker open (a breaker of the model not closed), else overloaded (more than ${
          ALERT_THRESHOLDS.overloadRatio * 100
        } % of attempts answered 529), else storm (more than ${
          ALERT_THRESHOLDS.retryAmplification
        } attempts per call), else calm. The alerts fire once a state lasts.`,
        { id: 'serviceModelState', params: FILTERS, legend: SERVICE_MODEL },
        'none'
      ),
      w: 16,
      h: 6,
      mappings: STATE_MAPPINGS,
      links: [{ field: '*', links: [serviceLink(`\${__field.labels.${LABEL.SERVICE}}`)] }],
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
      description: 'Stormwatch alerts firing now for the selected services; the alert name opens its runbook.',
      queries: [{ id: 'firingAlerts', params: FILTERS, instant: true, format: 'table' }],
      hideColumns: ['Time', 'Value', '__name__', 'alertstate'],
      links: [
        { field: 'alertname', links: [{ title: 'Runbook', url: `${RUNBOOKS_URL}/\${__value.raw}.md` }] },
        { field: LABEL.SERVICE, links: [serviceLink('${__value.raw}')] },
      ],
      w: 8,
      h: 6,
    },
  ];
}

/** Is it them or us: the services' overload beside the probe's and the status page's view. */
function themOrUs(): PanelSpec[] {
  return [
    timeseries(
      'Overload ratio (529)',
      'Share of attempts answered overloaded_error by service and model; red above the overload alert.',
      [{ id: 'overloadRatio', params: FILTERS, legend: SERVICE_MODEL }],
      'percentunit',
      7,
      { thresholds: redFrom(ALERT_THRESHOLDS.overloadRatio) }
    ),
    timeseries(
      'Probe: success ratio',
      'Share of the synthetic probe’s tiny requests that succeeded, by model: the provider seen from outside the services.',
      [{ id: 'probeSuccessRatio', params: FILTERS, legend: legend(LABEL.MODEL) }],
      'percentunit',
      5
    ),
    {
      ...stat(
        'Probe: since success',
        'Time since the probe’s last success per model; red from where the probe alert fires.',
        { id: 'probeSinceLastSuccess', params: FILTERS, legend: legend(LABEL.MODEL) },
        's',
        redFrom(ALERT_THRESHOLDS.probeSinceLastSuccessSeconds)
      ),
      h: 8,
    },
    {
      ...stat(
        'Status page',
        'The provider’s status page per component; unknown when the page could not be read (never shown as operational).',
        { id: 'statusComponents', params: {}, legend: legend(STATUS_LABEL.COMPONENT) },
        'none'
      ),
      w: 4,
      h: 8,
      mappings: COMPONENT_MAPPINGS,
      options: {
        graphMode: 'none',
        colorMode: 'background',
        textMode: 'value_and_name',
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      },
    },
    {
      type: 'table',
      title: 'Status page incidents',
      description: 'Unresolved incidents on the provider’s status page, with their impact and start.',
      queries: [{ id: 'statusIncidents', params: {}, instant: true, format: 'table' }],
      hideColumns: ['Time'],
      unit: 'dateTimeAsIso',
      w: 5,
      h: 8,
    },
  ];
}

/** The eight headline figures, totals over the selected services and models, red at the alerts' thresholds. */
function headline(): PanelSpec[] {
  return [
    stat('Calls/s', 'Logical calls per second (5 m rate).', { id: 'callsPerSecond', params: TOTAL }, 'reqps'),
    stat(
      'Attempts/s',
      'HTTP attempts per second, retries included (5 m rate).',
      { id: 'attemptsPerSecond', params: TOTAL },
      'reqps'
    ),
    stat(
      'Retry amplification',
      'Attempts per logical call; 1.0 means no retries. Red above the retry-storm alert.',
      { id: 'retryAmplification', params: TOTAL },
      'x',
      redFrom(ALERT_THRESHOLDS.retryAmplification)
    ),
    stat(
      'Overload ratio',
      'Share of attempts answered 529 overloaded_error: the API, not our retries. Red above the overload alert.',
      { id: 'overloadRatio', params: TOTAL },
      'percentunit',
      redFrom(ALERT_THRESHOLDS.overloadRatio)
    ),
    stat(
      'Success ratio',
      'Share of calls that succeeded, directly or on a fallback model.',
      { id: 'successRatio', params: TOTAL },
      'percentunit'
    ),
    stat(
      'Breakers open',
      'Circuit breakers open or half-open now.',
      { id: 'breakersOpen', params: FILTERS },
      'short',
      redFrom(ALERT_THRESHOLDS.breakerNotClosed)
    ),
    stat(
      'Wasted USD/h',
      'USD per hour spent on attempts whose answer was not used.',
      { id: 'wastedUsdPerHour', params: TOTAL },
      'currencyUSD'
    ),
    stat(
      'Waste share',
      'Wasted / total cost over the time range.',
      { id: 'wasteShare', params: { ...TOTAL, range: '$__range' } },
      'percentunit'
    ),
  ];
}

/** Overview: verdict first, then the figures, then the worst calls. */
export function overviewPage(env: PageEnv): PageSpec {
  return {
    title: 'Stormwatch overview',
    description:
      'Is there a retry storm now, whose, is it our retries or the API (the probe and the status page beside the overload), and what it costs.',
    route: ROUTES.Overview,
    annotations: EVENT_ANNOTATIONS,
    rows: [
      verdict(),
      themOrUs(),
      headline(),
      [
        timeseries(
          'Retry amplification',
          'Attempts per logical call by service and model; red above the retry-storm alert.',
          [{ id: 'retryAmplification', params: FILTERS, legend: SERVICE_MODEL }],
          'x',
          8,
          { thresholds: redFrom(ALERT_THRESHOLDS.retryAmplification) }
        ),
        timeseries(
          'Failed after retries /min',
          'Calls that failed although their error was retryable (retry exhaustion); red above the exhaustion alert.',
          [{ id: 'retryExhaustionPerMinute', params: FILTERS, legend: SERVICE_MODEL }],
          'short',
          8,
          { thresholds: redFrom(ALERT_THRESHOLDS.retryExhaustionPerMinute) }
        ),
        timeseries(
          'Wasted USD/h',
          'Wasted burn rate by service and model.',
          [{ id: 'wastedUsdPerHour', params: FILTERS, legend: SERVICE_MODEL }],
          'currencyUSD',
          8
        ),
      ],
      [
        timeseries(
          'Calls and attempts/s',
          'Logical calls against HTTP attempts; the gap is retries.',
          [
            { id: 'callsPerSecond', params: FILTERS, legend: `calls ${SERVICE_MODEL}` },
            { id: 'attemptsPerSecond', params: FILTERS, legend: `attempts ${SERVICE_MODEL}` },
          ],
          'reqps',
          8
        ),
        timeseries(
          'Call duration p95',
          `How long calls take, backoff included (95th percentile). ${CALL_EXEMPLARS_NOTE}`,
          [{ id: 'callDurationP95', params: FILTERS, legend: SERVICE_MODEL }, callExemplars(FILTERS)],
          's',
          8
        ),
        timeseries(
          'Attempts per call p95',
          'Attempts the slowest 5 % of calls needed. A point opens the Traces page for its service and model, the calls with the most attempts first (the library’s metrics carry no exemplars).',
          [{ id: 'attemptsPerCallP95', params: FILTERS, legend: SERVICE_MODEL }],
          'short',
          8,
          { links: [{ field: '*', links: [tracesLink('Calls with the most attempts', 'series')] }] }
        ),
      ],
      [
        timeseries(
          'Retry waves',
          'Retries and first attempts per second on a 30 s window: regular spikes mean synchronized retries, a smooth band jittered ones.',
          [
            { id: 'retryWaves', params: { ...FILTERS, by: [] }, legend: 'retries' },
            { id: 'firstAttemptWaves', params: { ...FILTERS, by: [] }, legend: 'first attempts' },
          ],
          'reqps',
          24,
          { interval: '5s' }
        ),
      ],
      [
        timeseries(
          'Calls/s by outcome',
          'What callers see: success, fallback_success, failed, deferred, rejected.',
          [{ id: 'callsByOutcome', params: { ...FILTERS, by: [] }, legend: legend(LABEL.CALL_OUTCOME) }],
          'reqps',
          12
        ),
        timeseries(
          'Failed attempts/s by error',
          'overloaded_error and rate_limit_error come from the API; circuit_open, budget_exhausted and deadline_exceeded are the policy refusing.',
          [{ id: 'attemptsByError', params: { ...FILTERS, by: [] }, legend: legend(LABEL.ERROR_TYPE) }],
          'reqps',
          12
        ),
      ],
      [
        traceTable(
          env,
          'Calls with the most attempts',
          'Stormwatch calls that needed more than one attempt, most attempts first; open a row to see its trace.',
          'callsWithMostAttempts',
          { field: ATTEMPTS_FIELD, desc: true }
        ),
        traceTable(
          env,
          'Failed after retries',
          'Calls that failed although they were retried, most attempts first.',
          'failedAfterRetries',
          { field: ATTEMPTS_FIELD, desc: true }
        ),
      ],
    ],
  };
}
