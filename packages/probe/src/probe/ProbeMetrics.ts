import type { Attributes, Counter, Histogram, Meter, ObservableGauge, ObservableResult } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_POLICY,
  ATTR_PROBE_OUTCOME,
  createModelAllowList,
  METRIC_PROBE_DURATION,
  METRIC_PROBE_REQUESTS,
  METRIC_PROBE_SINCE_LAST_SUCCESS,
  PROBE_POLICY,
  ProbeOutcome,
  type ErrorType,
  type ModelAllowList,
} from '@stormwatch/conventions';
import type { Clock } from '@stormwatch/core';
import { counter, histogram, observableGauge } from '../internal/instruments.js';

/** The probe's own figures: requests by outcome, their latency, and the time since each model's last success. */
export class ProbeMetrics {
  readonly #requests: Counter;
  readonly #duration: Histogram;
  readonly #sinceLastSuccess: ObservableGauge;
  readonly #observe: (result: ObservableResult) => void;
  readonly #model: ModelAllowList;
  /** Per model: the last success, else the probe's start (clock time, ms). */
  readonly #lastSuccess = new Map<string, number>();

  constructor(
    meter: Meter,
    private readonly clock: Clock,
    models: readonly string[],
  ) {
    this.#model = createModelAllowList(models);
    this.#requests = counter(meter, METRIC_PROBE_REQUESTS);
    this.#duration = histogram(meter, METRIC_PROBE_DURATION);
    this.#sinceLastSuccess = observableGauge(meter, METRIC_PROBE_SINCE_LAST_SUCCESS);
    const startedAt = clock.now();
    for (const model of models) this.#lastSuccess.set(model, startedAt);
    this.#observe = (result) => {
      const now = this.clock.now();
      for (const [model, at] of this.#lastSuccess) result.observe(Math.max(0, now - at) / 1000, this.#base(model));
    };
    this.#sinceLastSuccess.addCallback(this.#observe);
  }

  #base(model: string): Attributes {
    return { [ATTR_GEN_AI_REQUEST_MODEL]: this.#model(model), [ATTR_POLICY]: PROBE_POLICY };
  }

  /** One probe request that got an answer, after `seconds`. */
  success(model: string, seconds: number): void {
    this.#lastSuccess.set(model, this.clock.now());
    const attributes = { ...this.#base(model), [ATTR_PROBE_OUTCOME]: ProbeOutcome.SUCCESS };
    this.#requests.add(1, attributes);
    this.#duration.record(seconds, attributes);
  }

  /** One probe request that failed with `errorType`, after `seconds`. */
  failure(model: string, seconds: number, errorType: ErrorType): void {
    const attributes = { ...this.#base(model), [ATTR_PROBE_OUTCOME]: ProbeOutcome.FAILURE };
    this.#requests.add(1, { ...attributes, [ATTR_ERROR_TYPE]: errorType });
    this.#duration.record(seconds, attributes);
  }

  /** Stops observing the gauge (the probe stopped). */
  close(): void {
    this.#sinceLastSuccess.removeCallback(this.#observe);
  }
}
