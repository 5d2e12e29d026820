// A service that already has its own OpenTelemetry setup adds Stormwatch to it: one line in
// `instrumentations`. Its exporter gets Stormwatch's spans and metrics, and each request to
// the API carries the attempt's traceparent. (It talks to a local fake of the API, so it
// needs no key and no network; a service exports over OTLP instead of keeping spans in memory.)
import Anthropic from '@anthropic-ai/sdk';
import { SpanKind, trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { resilient } from '@stormwatch/anthropic';
import { ok, overloaded, startFakeAnthropic } from '@stormwatch/fake-anthropic';
import { StormwatchInstrumentation } from '@stormwatch/telemetry';

// The service's own SDK, as it was before Stormwatch — plus StormwatchInstrumentation.
const exporter = new InMemorySpanExporter();
const sdk = new NodeSDK({
  serviceName: 'checkout',
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
  metricReaders: [],
  logRecordProcessors: [],
  // Off only so that this example can print spans at once (with detection on, they are
  // exported when the detected resource settles).
  autoDetectResources: false,
  instrumentations: [new StormwatchInstrumentation({ models: ['claude-sonnet-4-6'] })],
});
sdk.start();

// One 529, then an answer.
const server = await startFakeAnthropic({ script: [overloaded(), ok()] });
const client = resilient(new Anthropic({ baseURL: server.url, apiKey: 'test-key' }), { policy: 'checkout' });

// A request handler of the service: its span is the parent of Stormwatch's call span.
await trace.getTracer('checkout').startActiveSpan('POST /summary', async (span) => {
  await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 256, messages: [{ role: 'user', content: 'Summarise my cart' }] });
  span.end();
});

for (const span of exporter.getFinishedSpans()) console.log(span.name, SpanKind[span.kind]);
// chat claude-sonnet-4-6 CLIENT
// chat claude-sonnet-4-6 CLIENT
// stormwatch.call INTERNAL
// POST /summary INTERNAL
const spans = exporter.getFinishedSpans();
const call = spans.find((s) => s.name === 'stormwatch.call')!;
console.log('stormwatch.call is a child of POST /summary:', call.parentSpanContext?.spanId === spans.find((s) => s.name === 'POST /summary')!.spanContext().spanId);
// stormwatch.call is a child of POST /summary: true
const attempts = spans.filter((s) => s.kind === SpanKind.CLIENT);
for (const [i, request] of server.requests.entries()) {
  console.log('traceparent of request', i + 1, 'is attempt span', i + 1 + ':', request.headers['traceparent'] === `00-${attempts[i]!.spanContext().traceId}-${attempts[i]!.spanContext().spanId}-01`);
}
// traceparent of request 1 is attempt span 1: true
// traceparent of request 2 is attempt span 2: true
await server.close();
await sdk.shutdown();
