import Anthropic from '@anthropic-ai/sdk';
import { context, metrics, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, MetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { ATTR_ATTEMPT_NUMBER, ATTR_CALL_OUTCOME, ATTR_POLICY, attemptSpanName, CallOutcome, ErrorType, METRIC_ATTEMPTS, METRIC_CALLS, SPAN_CALL } from '@stormwatch/conventions';
import { createPolicy } from '@stormwatch/core';
import { ok, overloaded, startFakeAnthropic, type FakeAnthropic } from '@stormwatch/fake-anthropic';
import { instrumentPolicy, StormwatchInstrumentation } from '@stormwatch/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { globalSdkRegistered } from '../src/internal/defaultTelemetry.js';
import { resilient } from '../src/index.js';

const SONNET = 'claude-sonnet-4-6';
const messages = [{ role: 'user' as const, content: 'Hi' }];

class Reader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  trace.disable();
  metrics.disable();
  propagation.disable();
  context.disable();
});

async function fake(...script: Parameters<FakeAnthropic['script']>): Promise<FakeAnthropic> {
  const server = await startFakeAnthropic({ script, otherwise: ok() });
  cleanups.push(() => server.close());
  return server;
}

/** A client as a service writes it: nothing Stormwatch-specific beyond `resilient()`. Retries after 10 ms. */
function client(server: FakeAnthropic, policy: string) {
  return resilient(new Anthropic({ baseURL: server.url, apiKey: 'test' }), { policy, policyOptions: { random: () => 0.01, admission: false } });
}

/** The application's own NodeSDK, spans and metrics kept in memory. */
function startNodeSdk(instrumentations: StormwatchInstrumentation[] = []) {
  const exporter = new InMemorySpanExporter();
  const reader = new Reader();
  const sdk = new NodeSDK({ spanProcessors: [new SimpleSpanProcessor({ exporter })], metricReaders: [reader], logRecordProcessors: [], autoDetectResources: false, instrumentations });
  sdk.start();
  cleanups.push(() => sdk.shutdown());
  return { exporter, reader };
}

const named = (spans: ReadableSpan[], policy: string) => {
  const calls = spans.filter((s) => s.name === SPAN_CALL && s.attributes[ATTR_POLICY] === policy);
  const ids = new Set(calls.map((s) => s.spanContext().spanId));
  const attempts = spans.filter((s) => s.kind === SpanKind.CLIENT && s.parentSpanContext && ids.has(s.parentSpanContext.spanId));
  return { calls, attempts };
};

async function metricNames(reader: MetricReader): Promise<string[]> {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name));
}

describe('default telemetry', () => {
  it("emits the contract into the application's NodeSDK with no Stormwatch-specific call", async () => {
    const { exporter, reader } = startNodeSdk();
    const server = await fake(overloaded(), ok());
    await client(server, 'no-call').messages.create({ model: SONNET, max_tokens: 16, messages });

    const { calls, attempts } = named(exporter.getFinishedSpans(), 'no-call');
    expect(calls.map((s) => s.attributes[ATTR_CALL_OUTCOME])).toEqual([CallOutcome.SUCCESS]);
    expect(attempts.map((s) => [s.name, s.attributes[ATTR_ATTEMPT_NUMBER]])).toEqual([
      [attemptSpanName(SONNET), 1],
      [attemptSpanName(SONNET), 2],
    ]);
    // The SDK's own span stays off: one CLIENT span per request.
    expect(exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT)).toHaveLength(2);
    expect(await metricNames(reader)).toEqual(expect.arrayContaining([METRIC_CALLS, METRIC_ATTEMPTS]));
  });

  it('emits into a tracer provider registered by hand (the equivalent of NodeTracerProvider.register())', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
    const server = await fake();
    await client(server, 'registered').messages.create({ model: SONNET, max_tokens: 16, messages });
    const { calls, attempts } = named(exporter.getFinishedSpans(), 'registered');
    expect([calls.length, attempts.length]).toEqual([1, 1]);
  });

  it('starts with the first call after an SDK is registered, when the client came first', async () => {
    const server = await fake();
    const early = client(server, 'early');
    await early.messages.create({ model: SONNET, max_tokens: 16, messages });
    expect(globalSdkRegistered()).toBe(false);
    const { exporter } = startNodeSdk();
    expect(globalSdkRegistered()).toBe(true);
    await early.messages.create({ model: SONNET, max_tokens: 16, messages });
    await early.messages.create({ model: SONNET, max_tokens: 16, messages });
    // The call during which the SDK was found is counted in metrics; its spans start with the next one.
    expect(named(exporter.getFinishedSpans(), 'early').calls.length).toBeGreaterThanOrEqual(1);
    expect(named(exporter.getFinishedSpans(), 'early').calls.length).toBeLessThanOrEqual(2);
  });

  it('steps aside for StormwatchInstrumentation: every call traced once', async () => {
    const instrumentation = new StormwatchInstrumentation();
    cleanups.push(() => instrumentation.disable());
    const { exporter, reader } = startNodeSdk([instrumentation]);
    const server = await fake(overloaded(), ok());
    await client(server, 'with-instrumentation').messages.create({ model: SONNET, max_tokens: 16, messages });
    const { calls, attempts } = named(exporter.getFinishedSpans(), 'with-instrumentation');
    expect([calls.length, attempts.length]).toEqual([1, 2]);
    const { resourceMetrics } = await reader.collect();
    const callsMetric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.descriptor.name === METRIC_CALLS);
    const points = callsMetric.flatMap((m) => m.dataPoints as Array<{ attributes: Record<string, unknown>; value: unknown }>).filter((p) => p.attributes[ATTR_POLICY] === 'with-instrumentation');
    expect(points.map((p) => p.value)).toEqual([1]);
  });

  it('gives way to instrumentPolicy made after it, into other providers', async () => {
    const { exporter } = startNodeSdk();
    const mine = new InMemorySpanExporter();
    const server = await fake();
    const c = client(server, 'explicit');
    await c.messages.create({ model: SONNET, max_tokens: 16, messages });
    const handle = instrumentPolicy(c.policy, { tracerProvider: new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: mine })] }) });
    cleanups.push(() => handle.dispose());
    await c.messages.create({ model: SONNET, max_tokens: 16, messages });
    expect(named(exporter.getFinishedSpans(), 'explicit').calls).toHaveLength(1);
    expect(named(mine.getFinishedSpans(), 'explicit').calls).toHaveLength(1);
  });

  it('covers core policies too, and does nothing with no SDK registered', async () => {
    const server = await fake();
    client(server, 'installs-it');
    const policy = createPolicy({ name: 'core-only', classify: () => ({ errorType: ErrorType.OTHER, retryable: false, overload: false, slowDown: false }) });
    await policy.execute(async () => 'ok', { model: SONNET });
    const { exporter } = startNodeSdk();
    await policy.execute(async () => 'ok', { model: SONNET });
    await policy.execute(async () => 'ok', { model: SONNET });
    expect(named(exporter.getFinishedSpans(), 'core-only').calls.length).toBeGreaterThanOrEqual(1);
  });
});
