/**
 * The telemetry every `resilient()` client gets with no Stormwatch-specific call: called once
 * per `resilient()`. (First step: nothing yet; the global-provider instrumentation lands here.)
 */
export function ensureDefaultTelemetry(): void {
  // Intentionally empty until the default instrumentation lands (issue 12).
}
