import { context, diag, DiagConsoleLogger, DiagLogLevel, metrics, propagation, trace, type TextMapPropagator } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, detectResources, envDetector, hostDetector, osDetector, processDetector, resourceFromAttributes, serviceInstanceIdDetector, type Resource } from '@opentelemetry/resources';
import { MeterProvider, type MetricReader } from '@opentelemetry/sdk-metrics';
import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider, type Sampler, type SpanLimits, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { envString, type Env } from './env.js';

/**
 * The providers `start()` made and registered itself — what `@opentelemetry/sdk-node` would
 * set up, without its tree (gRPC exporters, Zipkin, Prometheus, logs: see the README). Only
 * what is set here is ever shut down or unregistered by `shutdown()`.
 */
export interface OwnProviders {
  readonly tracerProvider: TracerProvider | undefined;
  readonly meterProvider: MeterProvider | undefined;
  /** Set when `start()` registered the global context manager (none was registered). */
  readonly contextManager: AsyncLocalStorageContextManager | undefined;
  /** Set when `start()` registered the global propagator. */
  readonly propagator: TextMapPropagator | undefined;
}

export interface OwnProviderSettings {
  readonly serviceName: string | undefined;
  readonly spanProcessors: SpanProcessor[];
  readonly metricReaders: MetricReader[];
}

/** As `NodeSDK` builds it: the defaults, then the detected attributes (the environment's last, so they win), then `serviceName`. */
function resourceFor(serviceName: string | undefined): Resource {
  const detected = defaultResource().merge(detectResources({ detectors: [serviceInstanceIdDetector, processDetector, hostDetector, osDetector, envDetector] }));
  return serviceName === undefined ? detected : detected.merge(resourceFromAttributes({ 'service.name': serviceName }));
}

const DEFAULT_RATIO = 1;

function ratioFrom(env: Env): number {
  const raw = envString(env, 'OTEL_TRACES_SAMPLER_ARG');
  const ratio = raw === undefined ? NaN : Number(raw);
  if (Number.isFinite(ratio) && ratio >= 0 && ratio <= 1) return ratio;
  diag.warn(`@stormwatch/node: OTEL_TRACES_SAMPLER_ARG=${JSON.stringify(raw ?? '')} is not a ratio in [0, 1]; using ${DEFAULT_RATIO}`);
  return DEFAULT_RATIO;
}

/** `OTEL_TRACES_SAMPLER` (and `_ARG`), as the specification lists them; undefined leaves the SDK's default (parent-based, always on). */
export function samplerFrom(env: Env): Sampler | undefined {
  const name = envString(env, 'OTEL_TRACES_SAMPLER');
  switch (name) {
    case undefined:
      return undefined;
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratioFrom(env));
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratioFrom(env)) });
    default:
      diag.warn(`@stormwatch/node: ignoring OTEL_TRACES_SAMPLER="${name}" (not a sampler of the specification); using the default`);
      return undefined;
  }
}

function limitsFrom(env: Env): SpanLimits {
  const int = (...names: string[]) => {
    const raw = envString(env, ...names);
    const value = raw === undefined ? undefined : Number(raw);
    return value !== undefined && Number.isInteger(value) && value >= 0 ? value : undefined;
  };
  const limits: Record<string, number | undefined> = {
    attributeCountLimit: int('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT'),
    attributeValueLengthLimit: int('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT'),
    eventCountLimit: int('OTEL_SPAN_EVENT_COUNT_LIMIT'),
    linkCountLimit: int('OTEL_SPAN_LINK_COUNT_LIMIT'),
  };
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) as SpanLimits;
}

/** `OTEL_PROPAGATORS`: `tracecontext` and `baggage` (the default, both); `none`; others are reported and skipped. */
export function propagatorFrom(env: Env): TextMapPropagator | undefined {
  const names = (envString(env, 'OTEL_PROPAGATORS') ?? 'tracecontext,baggage').split(',').map((n) => n.trim().toLowerCase()).filter(Boolean);
  if (names.includes('none')) return undefined;
  const propagators: TextMapPropagator[] = [];
  for (const name of new Set(names)) {
    if (name === 'tracecontext') propagators.push(new W3CTraceContextPropagator());
    else if (name === 'baggage') propagators.push(new W3CBaggagePropagator());
    else diag.warn(`@stormwatch/node: OTEL_PROPAGATORS "${name}" is not supported here (tracecontext, baggage, none); skipped`);
  }
  return propagators.length === 0 ? undefined : new CompositePropagator({ propagators });
}

const LOG_LEVELS: Readonly<Record<string, DiagLogLevel>> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

/** `OTEL_LOG_LEVEL`: a console `diag` logger at that level, as `NodeSDK` sets up (only when `start()` makes the providers). */
export function diagLoggerFrom(env: Env): void {
  const raw = envString(env, 'OTEL_LOG_LEVEL');
  if (raw === undefined) return;
  const level = LOG_LEVELS[raw.toLowerCase()];
  diag.setLogger(new DiagConsoleLogger(), level ?? DiagLogLevel.WARN);
  if (level === undefined) diag.warn(`@stormwatch/node: ignoring OTEL_LOG_LEVEL="${raw}" (none, error, warn, info, debug, verbose, all); logging warnings`);
}

/** Makes the providers and registers them (and a context manager and propagator) with the global API. */
export function startOwnProviders(settings: OwnProviderSettings, env: Env): OwnProviders {
  const resource = resourceFor(settings.serviceName);
  let tracerProvider: TracerProvider | undefined;
  let meterProvider: MeterProvider | undefined;
  if (settings.spanProcessors.length > 0) {
    const sampler = samplerFrom(env);
    tracerProvider = new TracerProvider({ resource, spanProcessors: settings.spanProcessors, spanLimits: limitsFrom(env), ...(sampler ? { sampler } : {}) });
    trace.setGlobalTracerProvider(tracerProvider);
  }
  if (settings.metricReaders.length > 0) {
    meterProvider = new MeterProvider({ resource, readers: settings.metricReaders });
    metrics.setGlobalMeterProvider(meterProvider);
  }
  const contextManager = new AsyncLocalStorageContextManager().enable();
  const contextRegistered = context.setGlobalContextManager(contextManager);
  if (!contextRegistered) contextManager.disable();
  const propagator = propagatorFrom(env);
  const propagatorRegistered = propagator !== undefined && propagation.setGlobalPropagator(propagator);
  return {
    tracerProvider,
    meterProvider,
    contextManager: contextRegistered ? contextManager : undefined,
    propagator: propagatorRegistered ? propagator : undefined,
  };
}

/** Flushes and shuts `own`'s providers down. */
export async function shutDownOwnProviders(own: OwnProviders): Promise<void> {
  const results = await Promise.allSettled([own.tracerProvider?.shutdown(), own.meterProvider?.shutdown()]);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

/** Removes from the global API what `start()` registered there, and only what is still its own. */
export function unregisterOwnProviders(own: OwnProviders): void {
  const proxy = trace.getTracerProvider() as { getDelegate?: () => unknown };
  if (own.tracerProvider && (proxy.getDelegate?.() ?? proxy) === own.tracerProvider) trace.disable();
  if (own.meterProvider && metrics.getMeterProvider() === own.meterProvider) metrics.disable();
  if (own.propagator) propagation.disable();
  if (own.contextManager) context.disable();
}
