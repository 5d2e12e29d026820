import { metrics, type Meter, type MeterProvider } from '@opentelemetry/api';

/** The instrumentation scope of the probe's own metrics. */
export const INSTRUMENTATION_SCOPE = '@stormwatch/probe';
export const INSTRUMENTATION_VERSION = '0.1.0';

/** The probe's meter: from the given provider, else from the global one (`metrics.getMeterProvider()`), as `@stormwatch/telemetry` does. */
export function meterOf(provider: MeterProvider | undefined): Meter {
  return (provider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);
}
