import { createNoopMeter, metrics, ProxyTracerProvider, trace, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './scope.js';

/** What the API's providers are when nothing was registered (this copy of the API's no-op singletons). */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
const NOOP_METER = createNoopMeter();

/** The providers an application registered with the global OpenTelemetry API. */
export interface RegisteredGlobalProviders {
  /** The tracer provider behind the global proxy; undefined when none was registered (the no-op one). */
  readonly tracerProvider?: TracerProvider;
  /** The global meter provider; undefined when none was registered (the no-op one). */
  readonly meterProvider?: MeterProvider;
}

/**
 * The tracer and meter providers registered with the global API (by a `NodeSDK`, a
 * `trace.setGlobalTracerProvider` call, `@stormwatch/node`, …), leaving out the API's no-op
 * ones and the proxy in front of them. Cheap enough to call once per call: two global
 * look-ups.
 */
export function registeredGlobalProviders(): RegisteredGlobalProviders {
  const proxy = trace.getTracerProvider();
  const tracerProvider = proxy instanceof ProxyTracerProvider ? proxy.getDelegate() : proxy;
  const meterProvider = metrics.getMeterProvider();
  // The API keeps its no-op meter provider private; its meters are the one no-op meter.
  const meterIsNoop = meterProvider.getMeter(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION) === NOOP_METER;
  return {
    ...(tracerProvider === NOOP_TRACER_PROVIDER ? {} : { tracerProvider }),
    ...(meterIsNoop ? {} : { meterProvider }),
  };
}
