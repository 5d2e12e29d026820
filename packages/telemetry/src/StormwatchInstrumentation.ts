import { metrics, trace, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { InstrumentationBase, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { IDisposable } from '@stormwatch/core';
import { instrumentAllPolicies } from './instrumentAllPolicies.js';
import { resolveOptions } from './internal/options.js';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './scope.js';
import type { TelemetryOptions } from './TelemetryOptions.js';

/** {@link StormwatchInstrumentation}'s configuration: the telemetry options, and `enabled` as every instrumentation has it. */
export interface StormwatchInstrumentationConfig extends InstrumentationConfig, TelemetryOptions {}

/** What one instrumentation runs; kept outside the instance because the base constructor calls `enable()` before subclass fields exist. */
interface State {
  tracerProvider: TracerProvider | undefined;
  meterProvider: MeterProvider | undefined;
  registration: IDisposable | undefined;
}

const states = new WeakMap<StormwatchInstrumentation, State>();

function stateOf(instrumentation: StormwatchInstrumentation): State {
  let state = states.get(instrumentation);
  if (!state) {
    state = { tracerProvider: undefined, meterProvider: undefined, registration: undefined };
    states.set(instrumentation, state);
  }
  return state;
}

/**
 * Every Stormwatch policy's telemetry as an OpenTelemetry instrumentation, for the
 * application that sets up its own SDK:
 *
 * ```ts
 * new NodeSDK({ instrumentations: [new StormwatchInstrumentation({ models: ['claude-opus-4-7'] })] }).start();
 * ```
 *
 * While enabled (from construction, unless `enabled: false`), every policy alive now and
 * created later is instrumented ({@link instrumentAllPolicies}) into the providers the SDK
 * hands over through `setTracerProvider` / `setMeterProvider` — before that, those of the
 * config, else the global ones. A provider handed over later re-instruments every policy
 * into it. Nothing global is registered, no module is patched: policies announce
 * themselves. `disable()` removes the instrumentation; `enable()` puts it back.
 *
 * Being explicit, it takes precedence over the default telemetry of `@stormwatch/anthropic`
 * (a policy is never traced twice), and it leaves alone a policy another explicit
 * instrumentation already covers.
 *
 * A bad option throws a `TypeError` or `RangeError` naming it, at construction.
 */
export class StormwatchInstrumentation extends InstrumentationBase<StormwatchInstrumentationConfig> {
  constructor(config: StormwatchInstrumentationConfig = {}) {
    // Checked here so that a bad option fails at construction, naming it.
    resolveOptions(config, 'StormwatchInstrumentation');
    super(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION, config);
  }

  /** No module to patch: Stormwatch policies announce themselves (`onPolicyCreated`). */
  protected override init(): [] {
    return [];
  }

  override setConfig(config: StormwatchInstrumentationConfig = {}): void {
    resolveOptions(config, 'StormwatchInstrumentation');
    super.setConfig(config);
    if (states.get(this)?.registration) restart(this);
  }

  override setTracerProvider(tracerProvider: TracerProvider): void {
    super.setTracerProvider(tracerProvider);
    const state = stateOf(this);
    if (state.tracerProvider === tracerProvider) return;
    state.tracerProvider = tracerProvider;
    if (state.registration) restart(this);
  }

  override setMeterProvider(meterProvider: MeterProvider): void {
    super.setMeterProvider(meterProvider);
    // The base constructor calls this before the subclass exists: nothing runs yet then.
    const state = stateOf(this);
    if (state.meterProvider === meterProvider) return;
    state.meterProvider = meterProvider;
    if (state.registration) restart(this);
  }

  override enable(): void {
    super.enable();
    const state = stateOf(this);
    if (state.registration) return;
    const config = this.getConfig();
    state.registration = instrumentAllPolicies({
      ...config,
      tracerProvider: state.tracerProvider ?? config.tracerProvider ?? trace.getTracerProvider(),
      meterProvider: state.meterProvider ?? config.meterProvider ?? metrics.getMeterProvider(),
    });
  }

  override disable(): void {
    super.disable();
    const state = stateOf(this);
    state.registration?.dispose();
    state.registration = undefined;
  }
}

/** Re-instruments every policy with the instrumentation's current providers and config. */
function restart(instrumentation: StormwatchInstrumentation): void {
  const state = stateOf(instrumentation);
  state.registration?.dispose();
  state.registration = undefined;
  instrumentation.enable();
}
