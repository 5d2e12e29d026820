import { ALERT_THRESHOLDS, LABEL } from '@stormwatch/queries';
import { ROUTES } from '../../constants';
import { redFrom, type PageSpec, type PanelSpec } from '../PageSpec';
import { EVENT_ANNOTATIONS, FILTERS, SERVICE_MODEL, TOTAL, legend, stat, timeseries, tracesLink } from '../panels';

const BY_KIND = legend(LABEL.COST_KIND);

/** A third of a row: useful and wasted USD over the time range, by one label. */
function costBars(title: string, what: string, label: string): PanelSpec {
  return {
    type: 'bargauge',
    title,
    description: `Useful and wasted USD over the time range by ${what}.`,
    queries: [
      {
        id: 'costUsd',
        params: { ...FILTERS, by: [label], range: '$__range' },
        legend: legend(label, LABEL.COST_KIND),
        instant: true,
      },
    ],
    w: 8,
    h: 8,
    unit: 'currencyUSD',
    options: {
      displayMode: 'gradient',
      orientation: 'horizontal',
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    },
  };
}

/** Red from the budget on (a daily budget in USD, scaled), or no threshold without one. */
const over = (budget: number | undefined, scale = 1) => (budget === undefined ? undefined : redFrom(budget * scale));

/** Spend now, per hour and per day, and where the day and the month end at this rate; red above the budget. */
function rates(budget?: number): PanelSpec[] {
  return [
    {
      ...stat(
        'USD/h now',
        'Spend per hour at the current (5 m) rate, useful and wasted.',
        { id: 'costUsdPerHour', params: TOTAL, legend: BY_KIND },
        'currencyUSD',
        over(budget, 1 / 24)
      ),
      w: 6,
    },
    {
      ...stat(
        'USD/day at this rate',
        'What a whole day costs if the current (5 m) rate holds, useful and wasted.',
        { id: 'costUsdPerDay', params: TOTAL, legend: BY_KIND },
        'currencyUSD',
        over(budget)
      ),
      w: 6,
    },
    {
      ...stat(
        'Projected USD today',
        'Spent since the start of the day plus the current rate until its end (this panel’s range: today so far).',
        { id: 'costProjectionDay', params: TOTAL, legend: 'today' },
        'currencyUSD',
        over(budget)
      ),
      w: 6,
      timeFrom: 'now/d',
    },
    {
      ...stat(
        'Projected USD this month',
        'Spent since the start of the month plus the current rate until its end (this panel’s range: the month so far).',
        { id: 'costProjectionMonth', params: TOTAL, legend: 'this month' },
        'currencyUSD'
      ),
      w: 6,
      timeFrom: 'now/M',
    },
  ];
}

/** The time range against the one before it. */
function comparison(): PanelSpec[] {
  return [
    {
      ...stat(
        'USD: this period and the previous',
        'USD over the time range, useful and wasted, beside the same length of time just before it.',
        { id: 'costUsd', params: { ...TOTAL, range: '$__range' }, legend: `this period ${BY_KIND}` },
        'currencyUSD'
      ),
      queries: [
        { id: 'costUsd', params: { ...TOTAL, range: '$__range' }, legend: `this period ${BY_KIND}`, instant: true },
        { id: 'costUsdPreviousPeriod', params: TOTAL, legend: `previous ${BY_KIND}`, instant: true },
      ],
      w: 12,
    },
    {
      ...stat('Wasted USD/h', 'Wasted burn rate now.', { id: 'wastedUsdPerHour', params: TOTAL }, 'currencyUSD'),
      w: 6,
    },
    {
      ...stat(
        'Waste share',
        'Wasted / total cost over the time range.',
        { id: 'wasteShare', params: { ...TOTAL, range: '$__range' } },
        'percentunit'
      ),
      w: 6,
    },
  ];
}

/**
 * Cost: what the calls cost now and by the end of the day and month, what retries waste,
 * and where; with a daily budget (the Configuration page's), red above it and a line at
 * budget / 24 on the USD/h graph. The bundled dashboard has no budget.
 */
export function costPage(budget?: number): PageSpec {
  return {
    title: 'Stormwatch cost',
    description:
      'Spend per hour and per day, projected to the end of the day and month, against the previous period; useful against wasted cost by model, service and policy; wasted tokens by kind.',
    route: ROUTES.Cost,
    annotations: EVENT_ANNOTATIONS,
    rows: [
      rates(budget),
      comparison(),
      [
        costBars('USD by model', 'model', LABEL.MODEL),
        costBars('USD by service', 'service', LABEL.SERVICE),
        costBars('USD by policy', 'retry policy', LABEL.POLICY),
      ],
      [
        timeseries(
          'USD/h by kind',
          'Spend per hour, useful and wasted. A point opens the Traces page for the same filters, the calls that failed after retries among them (the library’s metrics carry no exemplars).',
          [{ id: 'costUsdPerHour', params: TOTAL, legend: BY_KIND }],
          'currencyUSD',
          12,
          {
            thresholds: over(budget, 1 / 24),
            links: [{ field: '*', links: [tracesLink('Calls of this spend', 'page')] }],
          }
        ),
        timeseries(
          'Wasted USD/h by service and model',
          'Wasted burn rate by service and model.',
          [{ id: 'wastedUsdPerHour', params: FILTERS, legend: SERVICE_MODEL }],
          'currencyUSD',
          12
        ),
      ],
      [
        timeseries(
          'Wasted tokens/s by kind',
          'Tokens resent by retries and tokens billed for answers never used, by token type.',
          [
            {
              id: 'wastedTokensByKind',
              params: { ...FILTERS, range: '$__rate_interval' },
              legend: legend(LABEL.WASTE_KIND, LABEL.TOKEN_TYPE),
            },
          ],
          'short',
          12
        ),
        timeseries(
          'Retry amplification by policy',
          'Attempts per call by retry policy: which policy multiplies the spend; red above the retry-storm alert.',
          [{ id: 'retryAmplification', params: { ...FILTERS, by: [LABEL.POLICY] }, legend: legend(LABEL.POLICY) }],
          'x',
          12,
          { thresholds: redFrom(ALERT_THRESHOLDS.retryAmplification) }
        ),
      ],
    ],
  };
}
