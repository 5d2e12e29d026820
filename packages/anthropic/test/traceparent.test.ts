import Anthropic from '@anthropic-ai/sdk';
import { context, metrics, propagation, SpanKind, trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_ATTEMPT_NUMBER, SPAN_CALL } from '@stormwatch/conventions';
import { ok, overloaded, startFakeAnthropic, type FakeAnthropic } from '@stormwatch/fake-anthropic';
import { afterEach, describe, expect, it } from 'vitest';
import { resilient } from '../src/index.js';

const SONNET = 'claude-sonnet-4-6';
const messages = [{ role: 'user' as const, content: 'Hi' }];
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

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

const client = (server: FakeAnthropic) =>
  resilient(new Anthropic({ baseURL: server.url, apiKey: 'test' }), { policy: 'propagated', policyOptions: { random: () => 0.01, admission: false } });

/** The traceparent headers the fake server received, one per request. */
const traceparents = (server: FakeAnthropic) => server.requests.map((r) => r.headers['traceparent']);

describe('trace context on every attempt', () => {
  it("sends W3C traceparent with the attempt span as parent, in the call's trace, afresh on a retry", async () => {
    const exporter = new InMemorySpanExporter();
    const sdk = new NodeSDK({ spanProcessors: [new SimpleSpanProcessor({ exporter })], metricReaders: [], logRecordProcessors: [], autoDetectResources: false });
    sdk.start();
    cleanups.push(() => sdk.shutdown());
    const server = await fake(overloaded(), ok());

    await client(server).messages.create({ model: SONNET, max_tokens: 16, messages });

    const spans = exporter.getFinishedSpans();
    const call = spans.find((s) => s.name === SPAN_CALL)!;
    const attempts = spans.filter((s) => s.kind === SpanKind.CLIENT).sort((a, b) => Number(a.attributes[ATTR_ATTEMPT_NUMBER]) - Number(b.attributes[ATTR_ATTEMPT_NUMBER]));
    const received = traceparents(server).map((h) => TRACEPARENT.exec(String(h))?.slice(1, 3));
    expect(received).toEqual(attempts.map((a) => [call.spanContext().traceId, a.spanContext().spanId]));
    expect(attempts).toHaveLength(2);
  });

  it('joins the trace of the caller’s active span', async () => {
    const exporter = new InMemorySpanExporter();
    const sdk = new NodeSDK({ spanProcessors: [new SimpleSpanProcessor({ exporter })], metricReaders: [], logRecordProcessors: [], autoDetectResources: false });
    sdk.start();
    cleanups.push(() => sdk.shutdown());
    const server = await fake();
    const c = client(server);
    await trace.getTracer('app').startActiveSpan('handle request', async (span) => {
      await c.messages.create({ model: SONNET, max_tokens: 16, messages });
      span.end();
    });
    const [traceId] = TRACEPARENT.exec(String(traceparents(server)[0]))!.slice(1, 2);
    expect(traceId).toBe(exporter.getFinishedSpans().find((s) => s.name === 'handle request')!.spanContext().traceId);
  });

  it('sends no trace header when no propagator is registered', async () => {
    const server = await fake(overloaded(), ok());
    await client(server).messages.create({ model: SONNET, max_tokens: 16, messages });
    expect(server.requests).toHaveLength(2);
    expect(server.requests.map((r) => Object.keys(r.headers).filter((h) => ['traceparent', 'tracestate', 'baggage'].includes(h)))).toEqual([[], []]);
  });
});
