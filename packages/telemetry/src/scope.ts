/** The instrumentation scope (tracer and meter name) of every Stormwatch span and metric. */
export const INSTRUMENTATION_SCOPE = '@stormwatch/telemetry';
/** This package's version, reported as the instrumentation scope version. */
export const INSTRUMENTATION_VERSION = '0.1.0';
