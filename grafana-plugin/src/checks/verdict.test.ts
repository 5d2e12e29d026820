import {
  METRIC_BREAKER_STATE,
  RULE_CALLS_RATE,
  RULE_OVERLOAD_RATIO,
  RULE_RETRY_AMPLIFICATION,
  metricDefinition,
} from '@stormwatch/conventions';
import { LABEL, SERVICE_STATE, serviceModelState } from '@stormwatch/queries';
import { promtoolExprTest } from './promtool';

/**
 * The Overview's verdict (serviceModelState) evaluated by Prometheus itself (`promtool test
 * rules`) on calm, storm, overloaded and breaker-open series: one sample per service and
 * model, the worst state winning.
 */

const BREAKER_STATE = metricDefinition(METRIC_BREAKER_STATE).prometheusName;
const M = 'claude-sonnet-4-5';
const OTHER = 'claude-haiku-4-5';

const series = (name: string, job: string, model: string, value: number, modelLabel: string = LABEL.MODEL) =>
  `      - series: '${name}{${LABEL.SERVICE}="${job}", ${modelLabel}="${model}", ${LABEL.POLICY}="default"}'\n        values: '${value}x10'`;

/** A service and model with calls, amplification and overload ratio. */
const service = (job: string, model: string, amplification: number, overload: number) =>
  [
    series(RULE_CALLS_RATE, job, model, 1),
    series(RULE_RETRY_AMPLIFICATION, job, model, amplification),
    series(RULE_OVERLOAD_RATIO, job, model, overload),
  ].join('\n');

function promtoolTest(input: string, expected: Array<{ job: string; model: string; state: number }>): string {
  const samples = expected
    .map(
      (e) =>
        `          - labels: '{${LABEL.SERVICE}="${e.job}", ${LABEL.MODEL}="${e.model}"}'\n            value: ${e.state}`
    )
    .join('\n');
  return promtoolExprTest(input, serviceModelState(), '5m', samples);
}

describe('the verdict per service and model, in Prometheus', () => {
  it('says calm, storm, overloaded and breaker open at the alerts’ thresholds, worst first', () => {
    const input = [
      service('calm', M, 1.2, 0.05),
      service('at-threshold', M, 2, 0.2), // not above: calm, as the alerts
      service('storm', M, 2.5, 0.1),
      service('overloaded', M, 3, 0.3),
      service('breaker', M, 1, 0),
      series(BREAKER_STATE, 'breaker', M, 1, LABEL.BREAKER_KEY),
      service('half-open', M, 3, 0.5),
      series(BREAKER_STATE, 'half-open', M, 2, LABEL.BREAKER_KEY),
      // A breaker of another model, and a closed one, leave the model calm.
      service('other-breaker', M, 1, 0),
      series(BREAKER_STATE, 'other-breaker', OTHER, 1, LABEL.BREAKER_KEY),
      series(BREAKER_STATE, 'other-breaker', M, 0, LABEL.BREAKER_KEY),
    ].join('\n');
    expect(
      promtoolTest(input, [
        { job: 'calm', model: M, state: SERVICE_STATE.CALM },
        { job: 'at-threshold', model: M, state: SERVICE_STATE.CALM },
        { job: 'storm', model: M, state: SERVICE_STATE.STORM },
        { job: 'overloaded', model: M, state: SERVICE_STATE.OVERLOADED },
        { job: 'breaker', model: M, state: SERVICE_STATE.BREAKER_OPEN },
        { job: 'half-open', model: M, state: SERVICE_STATE.BREAKER_OPEN },
        { job: 'other-breaker', model: M, state: SERVICE_STATE.CALM },
        { job: 'other-breaker', model: OTHER, state: SERVICE_STATE.BREAKER_OPEN },
      ])
    ).toContain('SUCCESS');
  });

  it('fails when Prometheus says otherwise (the check can fail)', () => {
    expect(() =>
      promtoolTest(service('storm', M, 2.5, 0.1), [{ job: 'storm', model: M, state: SERVICE_STATE.CALM }])
    ).toThrow(/FAILED|expected/);
  });
});
