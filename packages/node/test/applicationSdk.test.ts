import type { ProxyTracerProvider} from '@opentelemetry/api';
import { context, diag, DiagLogLevel, metrics, propagation, trace, type DiagLogger } from '@opentelemetry/api';
import { AggregationTemporality, MetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { attemptSpanName, METRIC_CALLS, SPAN_CALL } from '@stormwatch/conventions';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { shutdown, start } from '../src/index.js';
import { OtlpReceiver } from './otlpReceiver.js';
import { MODEL, quickPolicy, runCalls } from './policy.js';

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
  await shutdown();
  for (const c of cleanups.splice(0).reverse()) await c();
  vi.unstubAllEnvs();
  diag.disable();
  trace.disable();
  metrics.disable();
  propagation.disable();
  context.disable();
});

function diagLogger(): DiagLogger {
  const logger: DiagLogger = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn(), verbose: vi.fn() };
  diag.setLogger(logger, DiagLogLevel.WARN);
  return logger;
}

/** A service's own OpenTelemetry setup: NodeSDK with in-memory span and metric exporters. */
function applicationSdk() {
  const exporter = new InMemorySpanExporter();
  const reader = new Reader();
  const sdk = new NodeSDK({ spanProcessors: [new SimpleSpanProcessor({ exporter })], metricReaders: [reader], logRecordProcessors: [], autoDetectResources: false });
  sdk.start();
  cleanups.push(() => sdk.shutdown());
  return { exporter, reader };
}

async function metricNames(reader: MetricReader): Promise<string[]> {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name));
}

describe("start() in a service with its own OpenTelemetry SDK", () => {
  it("leaves the application's providers in place, emits into them and says so once", async () => {
    const logger = diagLogger();
    const app = applicationSdk();
    const collector = await OtlpReceiver.start();
    cleanups.push(() => collector.close());
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', collector.url);
    vi.stubEnv('OTEL_EXPORTER_OTLP_PROTOCOL', 'http/json');

    const telemetry = start();
    expect(telemetry.providers).toBe('application');
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(
      '@stormwatch/node: the application already registered a tracer provider (TracerProvider) and a meter provider (MeterProvider); leaving them in place and instrumenting Stormwatch policies into them (no OTLP exporter started, OTEL_EXPORTER_OTLP_* ignored)',
    );

    await runCalls(quickPolicy('in-app'), 2);
    expect(app.exporter.getFinishedSpans().filter((s) => s.name === SPAN_CALL)).toHaveLength(2);
    expect(app.exporter.getFinishedSpans().filter((s) => s.name === attemptSpanName(MODEL))).toHaveLength(2);
    expect(await metricNames(app.reader)).toContain(METRIC_CALLS);

    await shutdown();
    expect(collector.requests).toEqual([]);
  });

  it("keeps the application's providers working after shutdown()", async () => {
    diagLogger();
    const app = applicationSdk();
    const registered = (trace.getTracerProvider() as ProxyTracerProvider).getDelegate();
    start();
    await shutdown();

    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).toBe(registered);
    const span = trace.getTracer('app').startSpan('after stormwatch shutdown');
    expect(span.isRecording()).toBe(true);
    span.end();
    expect(app.exporter.getFinishedSpans().map((s) => s.name)).toEqual(['after stormwatch shutdown']);
    metrics.getMeter('app').createCounter('app.requests').add(1);
    expect(await metricNames(app.reader)).toContain('app.requests');
    // Stormwatch's instrumentation is gone: a policy's calls no longer emit through it.
    await runCalls(quickPolicy('after-shutdown'), 1);
    expect(app.exporter.getFinishedSpans().filter((s) => s.name === SPAN_CALL)).toEqual([]);
  });

  it('names only what it found: a tracer provider registered by hand', async () => {
    const logger = diagLogger();
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
    const telemetry = start();
    expect(telemetry).toMatchObject({ providers: 'application', meterProvider: undefined });
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('already registered a tracer provider (TracerProvider); leaving it in place'));
    await runCalls(quickPolicy('by-hand'), 1);
    expect(exporter.getFinishedSpans().filter((s) => s.name === SPAN_CALL)).toHaveLength(1);
  });
});
