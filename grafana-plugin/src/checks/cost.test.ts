import { METRIC_COST_USD, metricDefinition } from '@stormwatch/conventions';
import { LABEL, costProjection, costUsdPerDay, costUsdPerHour, costUsdPreviousPeriod } from '@stormwatch/queries';
import { promtoolExprTest } from './promtool';

/**
 * The Cost page's rates, projections and previous period evaluated by Prometheus (`promtool
 * test rules`) on a counter that spends a known amount, with Grafana's variables as it
 * substitutes them for a panel whose range began `elapsed` seconds ago.
 */

const COST = metricDefinition(METRIC_COST_USD).prometheusName;
/** 0.01 USD per second of useful spend (36 USD/h), sampled every minute for 3 hours. */
const input = `      - series: '${COST}{${LABEL.SERVICE}="checkout", ${LABEL.COST_KIND}="useful"}'\n        values: '0+0.6x180'`;
const at = (expr: string, elapsed: number) =>
  expr.replace(/\$__range_s/g, String(elapsed)).replace(/\$__range/g, `${elapsed}s`);
/** To the cent: floating-point sums of samples are not exact. */
const cents = (expr: string) => `round(${expr}, 0.01)`;
const one = (value: number, labels = '{}') => `          - labels: '${labels}'\n            value: ${value}`;

describe('cost in Prometheus', () => {
  it('USD per hour and per day at the current rate', () => {
    const kind = `{${LABEL.COST_KIND}="useful"}`;
    expect(promtoolExprTest(input, cents(costUsdPerHour()), '2h', one(36, kind))).toContain('SUCCESS');
    expect(promtoolExprTest(input, cents(costUsdPerDay()), '2h', one(864, kind))).toContain('SUCCESS');
  });

  it('projects the day: spent since it began plus the rate for what is left, whatever the hour', () => {
    // 864 USD a day at 0.01 USD/s, 1 h or 2 h into the day alike.
    expect(promtoolExprTest(input, cents(at(costProjection('day'), 3600)), '2h', one(864))).toContain('SUCCESS');
    expect(promtoolExprTest(input, cents(at(costProjection('day'), 7200)), '2h', one(864))).toContain('SUCCESS');
  });

  it('compares with the previous period of the same length', () => {
    const kind = `{${LABEL.COST_KIND}="useful"}`;
    // 1 h before the last hour: 36 USD.
    expect(promtoolExprTest(input, cents(at(costUsdPreviousPeriod(), 3600)), '3h', one(36, kind))).toContain('SUCCESS');
  });

  it('fails on a wrong projection (the check can fail)', () => {
    expect(() => promtoolExprTest(input, cents(at(costProjection('day'), 3600)), '2h', one(100))).toThrow(
      /FAILED|expected/
    );
  });
});
