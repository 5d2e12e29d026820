import { livePolicies, onPolicyCreated, type Policy } from '@stormwatch/core';
import { instrumentPolicyByDefault, registeredGlobalProviders } from '@stormwatch/telemetry';

/**
 * Whether the application registered an OpenTelemetry SDK with the global API: a tracer
 * provider behind the global proxy, or a meter provider. With neither, the default
 * telemetry would only feed no-op spans and instruments, so it waits.
 */
export function globalSdkRegistered(): boolean {
  const found = registeredGlobalProviders();
  return found.tracerProvider !== undefined || found.meterProvider !== undefined;
}

/**
 * Gives `policy` the default instrumentation (into the global providers) as soon as an SDK
 * is registered: now, or at the start of the first call after the application registered
 * one. Until then a call costs one check of the global providers.
 */
function instrumentWhenSdkRegistered(policy: Policy): void {
  if (globalSdkRegistered()) {
    instrumentPolicyByDefault(policy);
    return;
  }
  const watch = policy.onCallStart(() => {
    if (!globalSdkRegistered()) return;
    watch.dispose();
    instrumentPolicyByDefault(policy);
  });
}

let installed = false;

/**
 * The telemetry every `resilient()` client gets with no Stormwatch-specific call, as the
 * Anthropic SDK's own tracing does: once the application registered a global OpenTelemetry
 * SDK (its own `NodeSDK` started, `NodeTracerProvider.register()`, …), every Stormwatch
 * policy alive now and created later emits the telemetry contract into the global
 * providers (`instrumentPolicyByDefault` from `@stormwatch/telemetry`).
 *
 * Explicit instrumentation wins: a policy instrumented by `instrumentPolicy`,
 * `instrumentAllPolicies`, `StormwatchInstrumentation` or `@stormwatch/node` is not
 * instrumented by default, and an explicit instrumentation made later removes the default
 * one first, so no policy is traced twice.
 *
 * `ANTHROPIC_OPEN_TELEMETRY=false`, the variable that turns the Anthropic SDK's own
 * telemetry off, turns this default off too (read at the first `resilient()`); explicit
 * instrumentation still works.
 *
 * Called once per `resilient()`: the first call subscribes to the policy registry; every
 * later one returns at once.
 */
export function ensureDefaultTelemetry(): void {
  if (installed) return;
  installed = true;
  if (process.env.ANTHROPIC_OPEN_TELEMETRY?.trim().toLowerCase() === 'false') return;
  for (const policy of livePolicies()) instrumentWhenSdkRegistered(policy);
  onPolicyCreated(instrumentWhenSdkRegistered);
}
