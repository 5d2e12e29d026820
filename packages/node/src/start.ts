import { NodeSDK } from '@opentelemetry/sdk-node';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { instrumentAllPolicies } from '@stormwatch/telemetry';
import { envExporterEnabled, envPositiveInt, envString, type Env } from './internal/env.js';
import { createMetricExporter, createSpanExporter, protocolFor } from './internal/exporters.js';
import { slot, type Running } from './internal/state.js';
import { validateStartOptions } from './internal/validate.js';
import { shutdownRunning } from './shutdown.js';
import type { StartOptions } from './StartOptions.js';

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_QUEUE_SIZE = 2_048;
const DEFAULT_MAX_EXPORT_BATCH_SIZE = 512;
const DEFAULT_SCHEDULED_DELAY_MS = 5_000;
const DEFAULT_BSP_EXPORT_TIMEOUT_MS = 30_000;
const DEFAULT_METRIC_INTERVAL_MS = 60_000;
const DEFAULT_METRIC_TIMEOUT_MS = 30_000;

/** The running telemetry: the SDK, and a shutdown that flushes it. */
export interface Telemetry {
  /** The OpenTelemetry Node SDK that was started. */
  readonly sdk: NodeSDK;
  /** Same as the package's {@link shutdown}, for this instance. */
  shutdown(): Promise<void>;
}

function handleOf(running: Running): Telemetry {
  return { sdk: running.sdk, shutdown: () => shutdownRunning(running) };
}

/**
 * Starts the OpenTelemetry Node SDK with OTLP/HTTP exporters for traces and metrics, and
 * instruments every Stormwatch policy alive now or created later. Settings come from the
 * options, else from the standard `OTEL_*` variables (endpoint, headers, protocol,
 * timeouts, batching, export interval, service name and resource attributes), else from
 * the specification's defaults. No auto-instrumentation is installed, so every HTTP
 * attempt has exactly one CLIENT span: the policy's.
 *
 * A collector that is down or slow never slows or crashes the service: spans wait in a
 * bounded queue (`maxQueueSize`; beyond it they are dropped), every export runs in the
 * background with a timeout (`exportTimeoutMs`), and export failures go to `diag` only.
 * `OTEL_SDK_DISABLED=true` leaves the SDK off (policies are still instrumented, into the
 * no-op API). A malformed variable is reported to `diag` and ignored; a bad option throws
 * a `RangeError` or `TypeError` naming it.
 *
 * @returns the running telemetry; when already started, the running instance (the options are then ignored).
 */
export function start(options: StartOptions = {}): Telemetry {
  validateStartOptions(options);
  if (slot.current) return handleOf(slot.current);
  const env: Env = process.env;

  const tracesOn = options.traces ?? envExporterEnabled(env, 'OTEL_TRACES_EXPORTER');
  const metricsOn = options.metrics ?? envExporterEnabled(env, 'OTEL_METRICS_EXPORTER');
  const exportTimeoutMs = options.exportTimeoutMs ?? envPositiveInt(env, 'OTEL_EXPORTER_OTLP_TIMEOUT');

  const spanProcessors = [];
  if (tracesOn) {
    const exporter = createSpanExporter({
      protocol: protocolFor('TRACES', options.protocol, env),
      ...(options.tracesEndpoint === undefined ? {} : { url: options.tracesEndpoint }),
      ...(exportTimeoutMs === undefined ? {} : { timeoutMillis: exportTimeoutMs }),
    });
    const maxQueueSize = options.maxQueueSize ?? envPositiveInt(env, 'OTEL_BSP_MAX_QUEUE_SIZE') ?? DEFAULT_MAX_QUEUE_SIZE;
    const maxExportBatchSize = Math.min(maxQueueSize, options.maxExportBatchSize ?? envPositiveInt(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE') ?? DEFAULT_MAX_EXPORT_BATCH_SIZE);
    spanProcessors.push(
      new BatchSpanProcessor({
        exporter,
        maxQueueSize,
        maxExportBatchSize,
        scheduledDelayMillis: options.scheduledDelayMs ?? envPositiveInt(env, 'OTEL_BSP_SCHEDULE_DELAY') ?? DEFAULT_SCHEDULED_DELAY_MS,
        exportTimeoutMillis: exportTimeoutMs ?? envPositiveInt(env, 'OTEL_BSP_EXPORT_TIMEOUT') ?? DEFAULT_BSP_EXPORT_TIMEOUT_MS,
      }),
    );
  }

  const metricReaders = [];
  if (metricsOn) {
    const exporter = createMetricExporter({
      protocol: protocolFor('METRICS', options.protocol, env),
      ...(options.metricsEndpoint === undefined ? {} : { url: options.metricsEndpoint }),
      ...(exportTimeoutMs === undefined ? {} : { timeoutMillis: exportTimeoutMs }),
    });
    const exportIntervalMillis = options.metricExportIntervalMs ?? envPositiveInt(env, 'OTEL_METRIC_EXPORT_INTERVAL') ?? DEFAULT_METRIC_INTERVAL_MS;
    const timeout = exportTimeoutMs ?? envPositiveInt(env, 'OTEL_METRIC_EXPORT_TIMEOUT') ?? DEFAULT_METRIC_TIMEOUT_MS;
    metricReaders.push(new PeriodicExportingMetricReader({ exporter, exportIntervalMillis, exportTimeoutMillis: Math.min(timeout, exportIntervalMillis) }));
  }

  const sdk = new NodeSDK({
    ...(options.serviceName === undefined ? {} : { serviceName: options.serviceName }),
    instrumentations: [],
    spanProcessors,
    metricReaders,
    // Logs only when asked for: otherwise the SDK would start an OTLP log exporter nobody feeds.
    ...(envString(env, 'OTEL_LOGS_EXPORTER') === undefined ? { logRecordProcessors: [] } : {}),
  });
  sdk.start();
  const instrumentation = options.instrumentPolicies === false ? undefined : instrumentAllPolicies(options.telemetry ?? {});
  const running: Running = { sdk, instrumentation, shutdownTimeoutMs: options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS };
  slot.current = running;
  return handleOf(running);
}

/** Whether telemetry is running (started and not shut down). */
export function isStarted(): boolean {
  return slot.current !== undefined;
}
