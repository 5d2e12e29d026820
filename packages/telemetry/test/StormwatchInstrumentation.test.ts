import { metrics, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_POLICY, attemptSpanName, METRIC_CALLS, SPAN_CALL } from '@stormwatch/conventions';
import { createPolicy, type Policy } from '@stormwatch/core';
import { afterEach, describe, expect, it } from 'vitest';
import { INSTRUMENTATION_SCOPE, instrumentPolicy, instrumentPolicyByDefault, StormwatchInstrumentation } from '../src/index.js';
import { classify, collectFrom, ensureContextManager, script, TestReader } from './harness.js';

const OPUS = 'claude-opus-4-7';

function providers() {
  const exporter = new InMemorySpanExporter();
  const reader = new TestReader();
  return {
    exporter,
    reader,
    tracerProvider: new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
    meterProvider: new MeterProvider({ readers: [reader] }),
  };
}

const callPolicies = (exporter: InMemorySpanExporter) => exporter.getFinishedSpans().filter((s) => s.name === SPAN_CALL).map((s) => s.attributes[ATTR_POLICY]);
const run = (policy: Policy) => policy.execute(script(['ok']), { model: OPUS });

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  trace.disable();
  metrics.disable();
});

describe('StormwatchInstrumentation', () => {
  it('is an OpenTelemetry instrumentation named after the scope', () => {
    const instrumentation = new StormwatchInstrumentation({ enabled: false });
    expect(instrumentation.instrumentationName).toBe(INSTRUMENTATION_SCOPE);
    expect(instrumentation.isEnabled()).toBe(false);
    expect(instrumentation.getConfig()).toEqual({ enabled: false });
  });

  it("emits into the application's NodeSDK for policies created before and after it started", async () => {
    ensureContextManager();
    const exporter = new InMemorySpanExporter();
    const reader = new TestReader();
    const before = createPolicy({ name: 'before', classify });
    const instrumentation = new StormwatchInstrumentation({ models: ['my-model'] });
    const sdk = new NodeSDK({
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
      metricReaders: [reader],
      logRecordProcessors: [],
      autoDetectResources: false,
      instrumentations: [instrumentation],
    });
    sdk.start();
    cleanups.push(() => sdk.shutdown(), () => instrumentation.disable());
    const after = createPolicy({ name: 'after', classify });
    await run(before);
    await run(after);
    await after.execute(script(['ok']), { model: 'my-model' });

    expect(callPolicies(exporter)).toEqual(['before', 'after', 'after']);
    expect(exporter.getFinishedSpans().filter((s) => s.name === attemptSpanName(OPUS))).toHaveLength(2);
    const calls = (await collectFrom(reader)).find((m) => m.descriptor.name === METRIC_CALLS);
    expect(calls?.dataPoints.map((p) => p.attributes[ATTR_POLICY]).sort()).toEqual(['after', 'after', 'before']);
  });

  it('takes the providers registerInstrumentations hands it and registers nothing global', async () => {
    ensureContextManager();
    const mine = providers();
    const policy = createPolicy({ name: 'handed', classify });
    const instrumentation = new StormwatchInstrumentation();
    const unregister = registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: mine.tracerProvider, meterProvider: mine.meterProvider });
    cleanups.push(unregister);
    await run(policy);

    expect(callPolicies(mine.exporter)).toEqual(['handed']);
    expect((await collectFrom(mine.reader)).map((m) => m.descriptor.name)).toContain(METRIC_CALLS);
    // The global API still has no SDK behind it.
    const global = trace.getTracerProvider();
    expect(global).toBeInstanceOf(ProxyTracerProvider);
    expect((global as ProxyTracerProvider).getDelegate()).toBe(new ProxyTracerProvider().getDelegate());
    expect(metrics.getMeterProvider()).not.toBe(mine.meterProvider);
  });

  it('moves every policy to a provider handed over later', async () => {
    ensureContextManager();
    const first = providers();
    const second = providers();
    const policy = createPolicy({ name: 'moved', classify });
    const instrumentation = new StormwatchInstrumentation({ tracerProvider: first.tracerProvider });
    cleanups.push(() => instrumentation.disable());
    await run(policy);
    instrumentation.setTracerProvider(second.tracerProvider);
    await run(policy);
    expect(callPolicies(first.exporter)).toEqual(['moved']);
    expect(callPolicies(second.exporter)).toEqual(['moved']);
  });

  it('stops on disable() and starts again on enable()', async () => {
    ensureContextManager();
    const { exporter, tracerProvider } = providers();
    const policy = createPolicy({ name: 'toggled', classify });
    const instrumentation = new StormwatchInstrumentation({ tracerProvider });
    cleanups.push(() => instrumentation.disable());
    await run(policy);
    instrumentation.disable();
    expect(instrumentation.isEnabled()).toBe(false);
    await run(policy);
    await run(createPolicy({ name: 'while-off', classify }));
    instrumentation.enable();
    instrumentation.enable(); // idempotent: one instrumentation, not two
    await run(policy);
    expect(callPolicies(exporter)).toEqual(['toggled', 'toggled']);
  });

  it('does not instrument before enable() when constructed disabled', async () => {
    ensureContextManager();
    const { exporter, tracerProvider } = providers();
    const instrumentation = new StormwatchInstrumentation({ tracerProvider, enabled: false });
    await run(createPolicy({ name: 'off', classify }));
    expect(exporter.getFinishedSpans()).toEqual([]);
    instrumentation.enable();
    cleanups.push(() => instrumentation.disable());
    await run(createPolicy({ name: 'on', classify }));
    expect(callPolicies(exporter)).toEqual(['on']);
  });

  it('rejects a bad option at construction, naming it', () => {
    expect(() => new StormwatchInstrumentation({ maxContentLength: 0 })).toThrow(new RangeError('StormwatchInstrumentation: maxContentLength must be a positive integer, got 0'));
    expect(() => new StormwatchInstrumentation({ captureMessageContent: 'yes' as unknown as boolean })).toThrow(TypeError);
  });
});

describe('default and explicit instrumentations', () => {
  it('an explicit instrumentation replaces the default one, whatever its providers', async () => {
    ensureContextManager();
    const byDefault = providers();
    const explicit = providers();
    const policy = createPolicy({ name: 'both', classify });
    instrumentPolicyByDefault(policy, { tracerProvider: byDefault.tracerProvider, meterProvider: byDefault.meterProvider });
    await run(policy);
    expect(callPolicies(byDefault.exporter)).toEqual(['both']);

    const instrumentation = new StormwatchInstrumentation({ tracerProvider: explicit.tracerProvider, meterProvider: explicit.meterProvider });
    cleanups.push(() => instrumentation.disable());
    byDefault.exporter.reset();
    await run(policy);
    expect(byDefault.exporter.getFinishedSpans()).toEqual([]);
    expect(callPolicies(explicit.exporter)).toEqual(['both']);
  });

  it('the default one leaves an explicitly instrumented policy alone, and instruments a policy once', async () => {
    ensureContextManager();
    const byDefault = providers();
    const explicit = providers();
    const policy = createPolicy({ name: 'explicit', classify });
    const handle = instrumentPolicy(policy, { tracerProvider: explicit.tracerProvider });
    cleanups.push(() => handle.dispose());
    instrumentPolicyByDefault(policy, { tracerProvider: byDefault.tracerProvider });
    const other = createPolicy({ name: 'other', classify });
    const first = instrumentPolicyByDefault(other, { tracerProvider: byDefault.tracerProvider });
    instrumentPolicyByDefault(other, { tracerProvider: byDefault.tracerProvider });
    cleanups.push(() => first.dispose());
    await run(policy);
    await run(other);
    expect(callPolicies(explicit.exporter)).toEqual(['explicit']);
    expect(callPolicies(byDefault.exporter)).toEqual(['other']);
  });

  it('a disposed default instrumentation no longer emits, and can be made again', async () => {
    ensureContextManager();
    const { exporter, tracerProvider } = providers();
    const policy = createPolicy({ name: 'again', classify });
    instrumentPolicyByDefault(policy, { tracerProvider }).dispose();
    await run(policy);
    expect(exporter.getFinishedSpans()).toEqual([]);
    const again = instrumentPolicyByDefault(policy, { tracerProvider });
    cleanups.push(() => again.dispose());
    await run(policy);
    expect(callPolicies(exporter)).toEqual(['again']);
  });
});
