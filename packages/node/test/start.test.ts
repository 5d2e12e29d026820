import { diag, DiagLogLevel, trace, type DiagLogger } from '@opentelemetry/api';
import { attemptSpanName, METRIC_ATTEMPTS, METRIC_CALL_DURATION, METRIC_CALLS, SPAN_CALL } from '@stormwatch/conventions';
import { INSTRUMENTATION_SCOPE } from '@stormwatch/telemetry';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isStarted, shutdown, start } from '../src/index.js';
import { closedPortUrl, OtlpReceiver } from './otlpReceiver.js';
import { MODEL, quickPolicy, runCalls } from './policy.js';

const receivers: OtlpReceiver[] = [];
async function receiver(behaviour: 'answer' | 'hang' = 'answer'): Promise<OtlpReceiver> {
  const r = await OtlpReceiver.start(behaviour);
  receivers.push(r);
  return r;
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});

afterEach(async () => {
  await shutdown();
  vi.unstubAllEnvs();
  diag.disable();
  process.off('unhandledRejection', onUnhandled);
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

describe('start', () => {
  it('exports the spans and metrics of a policy created later over OTLP/HTTP JSON', async () => {
    const collector = await receiver();
    start({
      serviceName: 'checkout',
      protocol: 'http/json',
      tracesEndpoint: `${collector.url}/v1/traces`,
      metricsEndpoint: `${collector.url}/v1/metrics`,
    });
    await runCalls(quickPolicy('chat'), 3);
    await shutdown();

    const spans = collector.spans();
    expect(spans.filter((s) => s.name === SPAN_CALL)).toHaveLength(3);
    expect(spans.filter((s) => s.name === attemptSpanName(MODEL))).toHaveLength(3);
    expect(new Set(spans.map((s) => s.serviceName))).toEqual(new Set(['checkout']));
    expect(new Set(spans.map((s) => s.scope))).toEqual(new Set([INSTRUMENTATION_SCOPE]));
    expect(collector.to('/v1/traces').every((r) => r.contentType.startsWith('application/json'))).toBe(true);

    const metrics = collector.metrics();
    const names = new Set(metrics.map((m) => m.name));
    for (const name of [METRIC_CALLS, METRIC_ATTEMPTS, METRIC_CALL_DURATION]) expect(names).toContain(name);
    expect(metrics.find((m) => m.name === METRIC_CALL_DURATION)).toEqual({ serviceName: 'checkout', scope: INSTRUMENTATION_SCOPE, name: METRIC_CALL_DURATION, unit: 's' });
    expect(unhandled).toEqual([]);
  });

  it('reads the endpoint, protocol and service name from the OTEL_* variables', async () => {
    const collector = await receiver();
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', collector.url);
    vi.stubEnv('OTEL_EXPORTER_OTLP_PROTOCOL', 'http/json');
    vi.stubEnv('OTEL_SERVICE_NAME', 'from-env');
    start();
    await runCalls(quickPolicy(), 1);
    await shutdown();

    expect(collector.spans().map((s) => [s.serviceName, s.name])).toEqual(
      expect.arrayContaining([
        ['from-env', SPAN_CALL],
        ['from-env', attemptSpanName(MODEL)],
      ]),
    );
    expect(collector.metrics().map((m) => m.name)).toContain(METRIC_CALLS);
  });

  it('exports protobuf by default, as the specification says', async () => {
    const collector = await receiver();
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', collector.url);
    start();
    await runCalls(quickPolicy(), 1);
    await shutdown();

    const [traces] = collector.to('/v1/traces');
    expect(traces?.contentType).toBe('application/x-protobuf');
    // Protobuf keeps strings as UTF-8 bytes: the span names are in the body as they are.
    expect(traces?.body.includes(Buffer.from(SPAN_CALL))).toBe(true);
    expect(traces?.body.includes(Buffer.from(attemptSpanName(MODEL)))).toBe(true);
    const [metrics] = collector.to('/v1/metrics');
    expect(metrics?.contentType).toBe('application/x-protobuf');
    expect(metrics?.body.includes(Buffer.from(METRIC_CALLS))).toBe(true);
  });

  it('skips traces when OTEL_TRACES_EXPORTER=none and still exports metrics', async () => {
    const collector = await receiver();
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', collector.url);
    vi.stubEnv('OTEL_EXPORTER_OTLP_PROTOCOL', 'http/json');
    vi.stubEnv('OTEL_TRACES_EXPORTER', 'none');
    start();
    await runCalls(quickPolicy(), 1);
    await shutdown();

    expect(collector.to('/v1/traces')).toEqual([]);
    expect(collector.metrics().map((m) => m.name)).toContain(METRIC_CALLS);
  });

  it('exports nothing when OTEL_SDK_DISABLED=true, and the calls still work', async () => {
    const collector = await receiver();
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', collector.url);
    vi.stubEnv('OTEL_EXPORTER_OTLP_PROTOCOL', 'http/json');
    vi.stubEnv('OTEL_SDK_DISABLED', 'true');
    start();
    const { totalMs } = await runCalls(quickPolicy(), 3);
    await shutdown();
    expect(totalMs).toBeGreaterThan(0);
    expect(collector.requests).toEqual([]);
    expect(trace.getTracerProvider().getTracer('x').startSpan('y').isRecording()).toBe(false);
  });

  it('ignores a malformed variable with a diag warning instead of failing', async () => {
    const collector = await receiver();
    const logger: DiagLogger = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn(), verbose: vi.fn() };
    diag.setLogger(logger, DiagLogLevel.WARN);
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', collector.url);
    vi.stubEnv('OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc');
    vi.stubEnv('OTEL_BSP_MAX_QUEUE_SIZE', 'lots');
    start();
    await runCalls(quickPolicy(), 1);
    await shutdown();

    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('OTEL_BSP_MAX_QUEUE_SIZE="lots"'));
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('OTEL_EXPORTER_OTLP_PROTOCOL="grpc" is not supported: @stormwatch/node exports OTLP over HTTP only'));
    expect(collector.to('/v1/traces')[0]?.contentType).toBe('application/x-protobuf');
  });

  it('returns the running instance when called twice, and starts again after shutdown', async () => {
    const collector = await receiver();
    const options = { protocol: 'http/json', tracesEndpoint: `${collector.url}/v1/traces`, metrics: false } as const;
    const first = start(options);
    expect(start(options).tracerProvider).toBe(first.tracerProvider);
    expect(first.providers).toBe('own');
    await first.shutdown();
    await shutdown(); // a second shutdown is a no-op

    const second = start(options);
    expect(second.tracerProvider).not.toBe(first.tracerProvider);
    await runCalls(quickPolicy(), 1);
    await second.shutdown();
    expect(collector.spans().filter((s) => s.name === SPAN_CALL)).toHaveLength(1);
    expect(trace.getTracerProvider().getTracer('x').startSpan('y').isRecording()).toBe(false);
  });

  it('leaves policies alone when instrumentPolicies is false', async () => {
    const collector = await receiver();
    start({ protocol: 'http/json', tracesEndpoint: `${collector.url}/v1/traces`, metricsEndpoint: `${collector.url}/v1/metrics`, instrumentPolicies: false });
    await runCalls(quickPolicy(), 2);
    await shutdown();
    expect(collector.spans()).toEqual([]);
    expect(collector.metrics().filter((m) => m.scope === INSTRUMENTATION_SCOPE)).toEqual([]);
  });

  it.each([
    [{ exportTimeoutMs: 0 }, RangeError, 'exportTimeoutMs'],
    [{ shutdownTimeoutMs: 1.5 }, RangeError, 'shutdownTimeoutMs'],
    [{ maxQueueSize: -1 }, RangeError, 'maxQueueSize'],
    [{ maxQueueSize: 10, maxExportBatchSize: 20 }, RangeError, 'maxExportBatchSize (20)'],
    [{ protocol: 'grpc' }, RangeError, 'protocol'],
    [{ tracesEndpoint: 'localhost:4318' }, TypeError, 'tracesEndpoint'],
    [{ metricsEndpoint: 'ftp://127.0.0.1/v1/metrics' }, TypeError, 'metricsEndpoint'],
    [{ serviceName: '' }, TypeError, 'serviceName'],
    [{ telemetry: { maxContentLength: 0 } }, RangeError, 'maxContentLength'],
  ])('rejects %o', (options, type, named) => {
    expect(() => start(options as never)).toThrow(type);
    expect(() => start(options as never)).toThrow(named);
    // Nothing left registered or running behind the error.
    expect(isStarted()).toBe(false);
    expect(trace.getTracerProvider().getTracer('x').startSpan('y').isRecording()).toBe(false);
  });
});

describe('a collector that is down or stuck', () => {
  const SHUTDOWN_TIMEOUT_MS = 1_000;

  it.each([
    ['down (connection refused)', async () => ({ url: await closedPortUrl(), collector: undefined })],
    ['stuck (never answers)', async () => {
      const collector = await receiver('hang');
      return { url: collector.url, collector };
    }],
  ])('is %s: calls stay fast and shutdown returns within its timeout', async (_, setUp) => {
    const { url, collector } = await setUp();
    start({
      protocol: 'http/json',
      tracesEndpoint: `${url}/v1/traces`,
      metricsEndpoint: `${url}/v1/metrics`,
      scheduledDelayMs: 20,
      metricExportIntervalMs: 50,
      exportTimeoutMs: 10_000,
      shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
    });
    const policy = quickPolicy();
    // Exports fail or hang in the background all through these calls.
    const { maxMs, totalMs } = await runCalls(policy, 300);
    // A blocked export would stall calls for seconds; loose bounds, as the CI machine is shared.
    expect(maxMs).toBeLessThan(500);
    expect(totalMs).toBeLessThan(5_000);
    if (collector) expect(collector.requests.length).toBeGreaterThan(0);

    const t = performance.now();
    await shutdown();
    const took = performance.now() - t;
    expect(took).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 500);
    expect(unhandled).toEqual([]);
  });
});
