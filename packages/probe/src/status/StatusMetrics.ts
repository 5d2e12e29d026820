import type { Counter, Meter, ObservableGauge, ObservableResult } from '@opentelemetry/api';
import {
  ATTR_STATUS_COMPONENT,
  ATTR_STATUS_INCIDENT_IMPACT,
  ATTR_STATUS_INCIDENT_NAME,
  ATTR_STATUS_PAGE,
  ATTR_STATUS_POLL_OUTCOME,
  COMPONENT_STATUS_GAUGE_VALUE,
  METRIC_STATUS_COMPONENT,
  METRIC_STATUS_INCIDENT_STARTED,
  METRIC_STATUS_INDICATOR,
  METRIC_STATUS_POLLS,
  STATUS_INDICATOR_GAUGE_VALUE,
  type StatusPollOutcome,
} from '@stormwatch/conventions';
import { counter, observableGauge } from '../internal/instruments.js';
import type { StatusWatch } from './StatusWatch.js';

/**
 * The status-page watch as metrics: the gauges are read from {@link StatusWatch.snapshot}
 * at each collection, the polls counted as they happen.
 */
export class StatusMetrics {
  readonly #polls: Counter;
  readonly #gauges: Array<[ObservableGauge, (result: ObservableResult) => void]>;

  constructor(
    meter: Meter,
    private readonly watch: StatusWatch,
  ) {
    const page = { [ATTR_STATUS_PAGE]: watch.page };
    this.#polls = counter(meter, METRIC_STATUS_POLLS);
    this.#gauges = [
      [
        observableGauge(meter, METRIC_STATUS_COMPONENT),
        (result) => {
          for (const [name, status] of this.watch.snapshot().components) result.observe(COMPONENT_STATUS_GAUGE_VALUE[status], { ...page, [ATTR_STATUS_COMPONENT]: name });
        },
      ],
      [observableGauge(meter, METRIC_STATUS_INDICATOR), (result) => result.observe(STATUS_INDICATOR_GAUGE_VALUE[this.watch.snapshot().indicator], page)],
      [
        observableGauge(meter, METRIC_STATUS_INCIDENT_STARTED),
        (result) => {
          for (const incident of this.watch.snapshot().incidents) {
            // An incident without a start time still shows, at 0 (1970): present beats precise.
            result.observe((incident.startedAt ?? 0) / 1000, { ...page, [ATTR_STATUS_INCIDENT_NAME]: incident.name, [ATTR_STATUS_INCIDENT_IMPACT]: incident.impact });
          }
        },
      ],
    ];
    for (const [gauge, callback] of this.#gauges) gauge.addCallback(callback);
  }

  /** Counts one poll. */
  polled(outcome: StatusPollOutcome): void {
    this.#polls.add(1, { [ATTR_STATUS_PAGE]: this.watch.page, [ATTR_STATUS_POLL_OUTCOME]: outcome });
  }

  close(): void {
    for (const [gauge, callback] of this.#gauges) gauge.removeCallback(callback);
  }
}
