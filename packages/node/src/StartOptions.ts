import type { TelemetryOptions } from '@stormwatch/telemetry';

/** OTLP over HTTP, in either of its encodings. */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/**
 * What {@link start} is told. Every field is optional: an option given here wins over the
 * matching `OTEL_*` variable, which wins over the default.
 */
export interface StartOptions {
  /** `service.name`. Defaults to `OTEL_SERVICE_NAME`, else the SDK's `unknown_service:node`. */
  serviceName?: string;
  /**
   * Encoding for both signals. Defaults to `OTEL_EXPORTER_OTLP_{TRACES,METRICS}_PROTOCOL`,
   * then `OTEL_EXPORTER_OTLP_PROTOCOL`, then `http/protobuf` (the specification's default).
   * `grpc` in a variable is reported to `diag` and replaced by `http/protobuf`.
   */
  protocol?: OtlpProtocol;
  /** Full URL for spans. Defaults to `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, else `http://localhost:4318/v1/traces`. */
  tracesEndpoint?: string;
  /** Full URL for metrics, like {@link tracesEndpoint} with `/v1/metrics`. */
  metricsEndpoint?: string;
  /** Export traces. Defaults to true unless `OTEL_TRACES_EXPORTER=none`. */
  traces?: boolean;
  /** Export metrics. Defaults to true unless `OTEL_METRICS_EXPORTER=none`. */
  metrics?: boolean;
  /** Longest one export request may take, in ms. Defaults to `OTEL_EXPORTER_OTLP_TIMEOUT`, else 10 000. */
  exportTimeoutMs?: number;
  /** Spans held for export at most; more are dropped. Defaults to `OTEL_BSP_MAX_QUEUE_SIZE`, else 2048. */
  maxQueueSize?: number;
  /** Spans per export request at most (≤ maxQueueSize). Defaults to `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`, else 512. */
  maxExportBatchSize?: number;
  /** Delay between span exports, in ms. Defaults to `OTEL_BSP_SCHEDULE_DELAY`, else 5000. */
  scheduledDelayMs?: number;
  /** Interval between metric exports, in ms. Defaults to `OTEL_METRIC_EXPORT_INTERVAL`, else 60 000. */
  metricExportIntervalMs?: number;
  /**
   * How long `shutdown()` may take to flush, in ms; after that it returns and what is
   * still unsent is dropped. Defaults to 5000.
   */
  shutdownTimeoutMs?: number;
  /** Instrument every Stormwatch policy (`instrumentAllPolicies`). Defaults to true. */
  instrumentPolicies?: boolean;
  /** Passed to `instrumentAllPolicies` (e.g. `models`, `captureMessageContent`). */
  telemetry?: Omit<TelemetryOptions, 'tracerProvider' | 'meterProvider'>;
}
