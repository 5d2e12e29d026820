import { SpanKind } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_ADMISSION_OUTCOME, ATTR_ADMISSION_WAIT_MS, ATTR_ATTEMPT_OUTCOME, ATTR_CALL_OUTCOME, ATTR_HTTP_RESPONSE_STATUS_CODE, ErrorType } from '@stormwatch/conventions';
import { createPolicy } from '@stormwatch/core';
import { StormwatchInstrumentation } from '@stormwatch/telemetry';

// The application's own OpenTelemetry SDK, with Stormwatch in its instrumentations (spans
// kept in memory here; a service exports them over OTLP).
const exporter = new InMemorySpanExporter();
const sdk = new NodeSDK({
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
  metricReaders: [],
  logRecordProcessors: [],
  autoDetectResources: false, // so that spans reach the exporter at once, to print them below
  instrumentations: [new StormwatchInstrumentation()],
});
sdk.start();

// A Stormwatch policy (`resilient()` from @stormwatch/anthropic makes one per client) whose
// first attempt is answered 529 Overloaded.
const policy = createPolicy({
  name: 'chat',
  classify: () => ({ errorType: ErrorType.OVERLOADED, retryable: true, overload: true, slowDown: true, status: 529 }),
});
await policy.execute(async ({ attempt, details }) => {
  details.httpStatus = attempt === 1 ? 529 : 200;
  if (attempt === 1) throw new Error('529 Overloaded');
  return 'Hello!';
}, { model: 'claude-sonnet-4-6' });

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
await sdk.shutdown();
