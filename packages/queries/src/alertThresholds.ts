/**
 * The numbers the shipped Prometheus alerts (`deploy/prometheus/rules/alerts.yml`) compare
 * against, in one place, so that the Grafana app colours a figure red exactly where an alert
 * would fire (without the alerts' `for:` durations: the app shows the state now). A test
 * reads alerts.yml and fails when a number there and here differ.
 */
export interface AlertThresholds {
  /** StormwatchRetryExhaustion: calls per minute failed after retryable errors, above. Default 5. */
  readonly retryExhaustionPerMinute: number;
  /** StormwatchRetryStorm: retry amplification (attempts per call), above. Default 2. */
  readonly retryAmplification: number;
  /** StormwatchOverloadRatioHigh: share (0..1) of attempts answered 529, above. Default 0.2. */
  readonly overloadRatio: number;
  /** StormwatchBreakerOpen: breaker-state gauge value from which a breaker is not closed (1 open, 2 half-open). */
  readonly breakerNotClosed: number;
  /** StormwatchProbeFailing: seconds since the probe's last success, above. Default 300. */
  readonly probeSinceLastSuccessSeconds: number;
  /** StormwatchOverloadUnacknowledged: overload ratio from which overload the status page does not acknowledge counts. Default 0.2. */
  readonly overloadUnacknowledged: number;
}

export const ALERT_THRESHOLDS: AlertThresholds = Object.freeze({
  retryExhaustionPerMinute: 5,
  retryAmplification: 2,
  overloadRatio: 0.2,
  breakerNotClosed: 1,
  probeSinceLastSuccessSeconds: 300,
  overloadUnacknowledged: 0.2,
});
