import { diag, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { instrumentAllPolicies, registeredGlobalProviders } from '@stormwatch/telemetry';
import { envExporterEnabled, envPositiveInt, envString, type Env } from './internal/env.js';
import { createMetricExporter, createSpanExporter, protocolFor } from './internal/exporters.js';
import { diagLoggerFrom, shutDownOwnProviders, startOwnProviders, unregisterOwnProviders } from './internal/ownProviders.js';
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

/** The running telemetry: where it emits, and a shutdown that flushes what `start()` made. */
export interface Telemetry {
  /**
   * Whose providers Stormwatch emits into: `'own'` when `start()` made and registered them,
   * `'application'` when it found the application's already registered and left them in
   * place, `'disabled'` under `OTEL_SDK_DISABLED=true`.
   */
  readonly providers: 'own' | 'application' | 'disabled';
  /** The tracer provider Stormwatch emits into; undefined when there is none (traces off, disabled). */
  readonly tracerProvider: TracerProvider | undefined;
  /** The meter provider Stormwatch emits into; undefined when there is none (metrics off, disabled). */
  readonly meterProvider: MeterProvider | undefined;
  /** Same as the package's {@link shutdown}, for this instance. */
  shutdown(): Promise<void>;
}

function handleOf(running: Running): Telemetry {
  return { providers: running.providers, tracerProvider: running.tracerProvider, meterProvider: running.meterProvider, shutdown: () => shutdownRunning(running) };
}

/** A provider's class name, without the `$1` a bundler may add. */
const nameOf = (provider: object): string => provider.constructor?.name.replace(/\$\d+$/, '') || 'unnamed';

/**
 * The application registered its own providers before `start()`: leave them in place, emit
 * into them, and say so (once, through `diag`).
 */
function joinApplication(options: StartOptions, found: ReturnType<typeof registeredGlobalProviders>): Running {
  const what = [
    found.tracerProvider ? `a tracer provider (${nameOf(found.tracerProvider)})` : undefined,
    found.meterProvider ? `a meter provider (${nameOf(found.meterProvider)})` : undefined,
  ].filter(Boolean);
  diag.warn(`@stormwatch/node: the application already registered ${what.join(' and ')}; leaving ${what.length > 1 ? 'them' : 'it'} in place and instrumenting Stormwatch policies into ${what.length > 1 ? 'them' : 'it'} (no OTLP exporter started, OTEL_EXPORTER_OTLP_* ignored)`);
  const instrumentation = options.instrumentPolicies === false ? undefined : instrumentAllPolicies(options.telemetry ?? {});
  return {
    providers: 'application',
    own: undefined,
    tracerProvider: found.tracerProvider,
    meterProvider: found.meterProvider,
    instrumentation,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
  };
}

/**
 * Starts OpenTelemetry tracer and meter providers with OTLP/HTTP exporters, registers them
 * (with a context manager and the W3C propagators) with the global API, and instruments
 * every Stormwatch policy alive now or created later. Settings come from the
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
 *
 * **Never replaces the application's providers.** When the application registered a tracer
 * or meter provider with the global API before (its own `NodeSDK`, an
 * `--import ./instrumentation.mjs` placed before `@stormwatch/node/register`, …), `start()`
 * leaves them in place, makes no provider or exporter of its own, instruments the policies
 * into the application's providers, and says so with one `diag` warning. `shutdown()` then
 * only removes that instrumentation: the application's providers keep working.
 *
 * @returns the running telemetry; when already started, the running instance (the options are then ignored).
 */
export function start(options: StartOptions = {}): Telemetry {
  validateStartOptions(options);
  if (slot.current) return handleOf(slot.current);
  const env: Env = process.env;

  const found = registeredGlobalProviders();
  if (found.tracerProvider || found.meterProvider) {
    const running = joinApplication(options, found);
    slot.current = running;
    return handleOf(running);
  }
  // From here on the providers are Stormwatch's: so is the diag logger OTEL_LOG_LEVEL asks for.
  diagLoggerFrom(env);
  if (envString(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') {
    const running: Running = {
      providers: 'disabled',
      own: undefined,
      tracerProvider: undefined,
      meterProvider: undefined,
      instrumentation: options.instrumentPolicies === false ? undefined : instrumentAllPolicies(options.telemetry ?? {}),
      shutdownTimeoutMs: options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
    };
    slot.current = running;
    return handleOf(running);
  }

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

  const own = startOwnProviders({ serviceName: options.serviceName, spanProcessors, metricReaders }, env);
  let instrumentation;
  try {
    instrumentation = options.instrumentPolicies === false ? undefined : instrumentAllPolicies(options.telemetry ?? {});
  } catch (error) {
    // A bad `telemetry` option: leave nothing registered behind the error.
    unregisterOwnProviders(own);
    void shutDownOwnProviders(own).catch(() => {});
    throw error;
  }
  const running: Running = {
    providers: 'own',
    own,
    tracerProvider: own.tracerProvider,
    meterProvider: own.meterProvider,
    instrumentation,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
  };
  slot.current = running;
  return handleOf(running);
}

/** Whether telemetry is running (started and not shut down). */
export function isStarted(): boolean {
  return slot.current !== undefined;
}
