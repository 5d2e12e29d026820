import Anthropic from '@anthropic-ai/sdk';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { resilient } from '@stormwatch/anthropic';
import { ATTR_ADMISSION_OUTCOME, ATTR_ADMISSION_WAIT_MS, ATTR_ATTEMPT_OUTCOME, ATTR_CALL_OUTCOME, ATTR_HTTP_RESPONSE_STATUS_CODE } from '@stormwatch/conventions';
import { ok, overloaded, startFakeAnthropic } from '@stormwatch/fake-anthropic';
import { instrumentPolicy } from '@stormwatch/telemetry';

// An OpenTelemetry SDK that keeps spans in memory. In a service, `@stormwatch/node` sets up
// one that exports over OTLP, and instruments every policy without this call.
const exporter = new InMemorySpanExporter();
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

// A local server that speaks the Anthropic wire format: one 529, then an answer.
const server = await startFakeAnthropic({ script: [overloaded(), ok()] });
const client = resilient(new Anthropic({ baseURL: server.url, apiKey: 'test-key' }), { policy: 'chat' });
const telemetry = instrumentPolicy(client.policy, { tracerProvider });

await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 256, messages: [{ role: 'user', content: 'Hello' }] });

for (const span of exporter.getFinishedSpans()) {
  const outcome = span.attributes[ATTR_ATTEMPT_OUTCOME] ?? span.attributes[ATTR_CALL_OUTCOME] ?? '';
  console.log(span.name, SpanKind[span.kind], outcome, span.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] ?? '');
  // After the 529 the model is paced: the retry waited for its turn (about a second here).
  for (const { name, attributes = {} } of span.events) {
    console.log(' ', name, attributes[ATTR_ADMISSION_OUTCOME], `${Math.round(Number(attributes[ATTR_ADMISSION_WAIT_MS]) / 1000)} s`);
  }
}
// chat claude-sonnet-4-6 CLIENT retryable_error 529
// chat claude-sonnet-4-6 CLIENT success 200
// stormwatch.call INTERNAL success
//   stormwatch.admission.wait admitted 1 s
telemetry.dispose();
await server.close();
