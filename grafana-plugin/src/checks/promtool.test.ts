import { ALL, SEVERAL, interpolate, labelValuesSelector, promtoolCheck } from './promtool';

describe('promtool checks', () => {
  it('interpolates the variables as Grafana does', () => {
    const expr = 'sum(rate(x{job=~"$service", m=~"$model"}[$__rate_interval])) / sum(increase(x[$__range]))';
    expect(interpolate(expr, ALL)).toBe('sum(rate(x{job=~".*", m=~".*"}[1m0s])) / sum(increase(x[3600s]))');
    expect(interpolate('x{job=~"$service"}', SEVERAL)).toBe('x{job=~"(checkout|search)"}');
  });

  it('takes the selector out of a label_values query and rejects anything else', () => {
    expect(labelValuesSelector('label_values(x{job=~"$service"}, model)')).toBe('x{job=~"$service"}');
    expect(() => labelValuesSelector('up')).toThrow(new TypeError('"up" is not a label_values(selector, label) query'));
  });

  it('accepts valid PromQL and reports broken PromQL', () => {
    expect(promtoolCheck(['sum by (job) (rate(x[5m]))']).ok).toBe(true);
    const broken = promtoolCheck(['sum by (job) (rate(x[5m])']);
    expect(broken.ok).toBe(false);
    expect(broken.output).toMatch(/unclosed left parenthesis|parse error/);
  });
});
