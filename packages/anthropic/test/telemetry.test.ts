import Anthropic from '@anthropic-ai/sdk';
import { context, metrics, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import {
  ATTR_ANTHROPIC_REQUEST_ID,
  ATTR_ATTEMPT_NUMBER,
  ATTR_ATTEMPT_OUTCOME,
  ATTR_BREAKER_STATE,
  ATTR_CALL_ATTEMPTS,
  ATTR_CALL_FINAL_MODEL,
  ATTR_CALL_OUTCOME,
  ATTR_COST_KIND,
  ATTR_COST_USD,
  ATTR_COST_WASTED_USD,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_POLICY,
  ATTR_RETRY_DELAY_S,
  ATTR_RETRY_DELAY_SOURCE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_TOKENS_WASTED_INPUT,
  ATTR_TOKENS_WASTED_OUTPUT,
  AttemptOutcome,
  attemptSpanName,
  BreakerState,
  CallOutcome,
  CostKind,
  DelaySource,
  ErrorType,
  GEN_AI_OPERATION_CHAT,
  GEN_AI_PROVIDER_ANTHROPIC,
  METRIC_COST_USD,
  METRIC_GEN_AI_TOKEN_USAGE,
  SPAN_BACKOFF,
  SPAN_CALL,
  TokenType,
} from '@stormwatch/conventions';
import { apiError, ok, overloaded, reset, startFakeAnthropic, streamErrorAtStart, type FakeAnthropic } from '@stormwatch/fake-anthropic';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CAPTURE_CONTENT_ENV, instrumentPolicy, recordMessageContent } from '@stormwatch/telemetry';
import { resilient } from '../src/index.js';

// The telemetry of a real SDK client through @stormwatch/telemetry (it lives here, not in
// that package: @stormwatch/anthropic depends on it).
let contextManager: AsyncLocalStorageContextManager | undefined;
function ensureContextManager(): void {
  if (contextManager) return;
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
}

const SONNET = 'claude-sonnet-4-6';

class CumulativeReader extends MetricReader {
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
const messages = [{ role: 'user' as const, content: 'Hi' }];

let server: FakeAnthropic;
let exporter: InMemorySpanExporter;
/** The active span id each time the SDK's fetch ran, in order. */
let activeAtFetch: Array<string | undefined>;

beforeEach(() => {
  ensureContextManager();
  exporter = new InMemorySpanExporter();
  // Registered globally too, so that any span the SDK made on its own would land here and be counted.
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
  activeAtFetch = [];
});

afterEach(async () => {
  trace.disable();
  metrics.disable();
  await server?.close();
});

/** A resilient client against the fake server, its policy instrumented into `exporter`. */
async function client(...script: Parameters<FakeAnthropic['script']>) {
  return clientWith({}, ...script);
}

async function clientWith(options: { capture?: boolean }, ...script: Parameters<FakeAnthropic['script']>) {
  server = await startFakeAnthropic({ script, otherwise: ok() });
  const spy: typeof fetch = (input, init) => {
    activeAtFetch.push(trace.getActiveSpan()?.spanContext().spanId);
    return fetch(input, init);
  };
  // random() = 0.01: the full-jitter wait after attempt 1 is 10 ms of real time. The 0.1
  // loop (admission off), so that a 529 is retried after that backoff, not paced by admission.
  const c = resilient(new Anthropic({ baseURL: server.url, apiKey: 'test', fetch: spy }), {
    policy: 'chat',
    policyOptions: { random: () => 0.01, admission: false },
    recordContent: recordMessageContent,
  });
  instrumentPolicy(c.policy, options.capture === undefined ? {} : { captureMessageContent: options.capture });
  return c;
}

const clientSpans = (): ReadableSpan[] =>
  exporter
    .getFinishedSpans()
    .filter((s) => s.kind === SpanKind.CLIENT)
    .sort((a, b) => (a.attributes[ATTR_ATTEMPT_NUMBER] as number) - (b.attributes[ATTR_ATTEMPT_NUMBER] as number));
const port = () => Number(new URL(server.url).port);
const request = (attempt: number) => ({
  [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_CHAT,
  [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_ANTHROPIC,
  [ATTR_GEN_AI_REQUEST_MODEL]: SONNET,
  [ATTR_ATTEMPT_NUMBER]: attempt,
  [ATTR_BREAKER_STATE]: BreakerState.CLOSED,
  [ATTR_SERVER_ADDRESS]: '127.0.0.1',
  [ATTR_SERVER_PORT]: port(),
  ...(attempt > 1 ? { [ATTR_HTTP_REQUEST_RESEND_COUNT]: attempt - 1 } : {}),
});
const waited = { [ATTR_RETRY_DELAY_S]: 0.01, [ATTR_RETRY_DELAY_SOURCE]: DelaySource.BACKOFF };

describe('with the real SDK against a server speaking the Anthropic wire format', () => {
  it('makes exactly one CLIENT span per HTTP request, active while the SDK fetches', async () => {
    const c = await client(overloaded(0));
    const message = await c.messages.create({ model: SONNET, max_tokens: 64, messages });

    const spans = clientSpans();
    expect(server.requests).toHaveLength(2);
    expect(spans).toHaveLength(server.requests.length);
    expect(activeAtFetch).toEqual(spans.map((s) => s.spanContext().spanId));
    const [call] = exporter.getFinishedSpans().filter((s) => s.name === SPAN_CALL);
    for (const s of spans) {
      expect(s.name).toBe(attemptSpanName(SONNET));
      expect(s.parentSpanContext?.spanId).toBe(call!.spanContext().spanId);
    }
    expect(spans[0]!.attributes).toEqual({
      ...request(1),
      ...waited,
      [ATTR_GEN_AI_REQUEST_STREAM]: false,
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: 529,
      [ATTR_ANTHROPIC_REQUEST_ID]: 'req_fake_1',
      [ATTR_ERROR_TYPE]: ErrorType.OVERLOADED,
      [ATTR_ATTEMPT_OUTCOME]: AttemptOutcome.RETRYABLE_ERROR,
    });
    expect(spans[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(spans[1]!.attributes).toEqual({
      ...request(2),
      [ATTR_GEN_AI_REQUEST_STREAM]: false,
      [ATTR_GEN_AI_RESPONSE_MODEL]: SONNET,
      [ATTR_GEN_AI_RESPONSE_ID]: message.id,
      [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: ['end_turn'],
      [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: message.usage.input_tokens,
      [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: message.usage.output_tokens,
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200,
      [ATTR_ANTHROPIC_REQUEST_ID]: 'req_fake_2',
      [ATTR_ATTEMPT_OUTCOME]: AttemptOutcome.SUCCESS,
    });
    expect(spans[1]!.status.code).toBe(SpanStatusCode.UNSET);
    // Sonnet's list price: $3 / $15 per million input / output tokens; the 529'd prompt was resent.
    const input = message.usage.input_tokens;
    expect(call!.attributes).toEqual({
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_CHAT,
      [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_ANTHROPIC,
      [ATTR_GEN_AI_REQUEST_MODEL]: SONNET,
      [ATTR_POLICY]: 'chat',
      [ATTR_CALL_OUTCOME]: CallOutcome.SUCCESS,
      [ATTR_CALL_ATTEMPTS]: 2,
      [ATTR_CALL_FINAL_MODEL]: SONNET,
      [ATTR_TOKENS_WASTED_INPUT]: input,
      [ATTR_TOKENS_WASTED_OUTPUT]: 0,
      [ATTR_COST_USD]: expect.closeTo((input * 3 + message.usage.output_tokens * 15) / 1e6, 12),
      [ATTR_COST_WASTED_USD]: 0,
    });
    expect(exporter.getFinishedSpans().map((s) => s.name).sort()).toEqual([SPAN_BACKOFF, SPAN_CALL, attemptSpanName(SONNET), attemptSpanName(SONNET)].sort());
  });

  it('gives a stream retried before its first content one CLIENT span per request', async () => {
    const c = await client(streamErrorAtStart());
    const stream = await c.messages.create({ model: SONNET, max_tokens: 64, messages, stream: true });
    let text = '';
    for await (const event of stream) if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    expect(text.length).toBeGreaterThan(0);

    const spans = clientSpans();
    expect(spans).toHaveLength(server.requests.length);
    expect(spans).toHaveLength(2);
    expect(activeAtFetch).toEqual(spans.map((s) => s.spanContext().spanId));
    expect(spans[0]!.attributes).toEqual({
      ...request(1),
      ...waited,
      [ATTR_GEN_AI_REQUEST_STREAM]: true,
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200,
      [ATTR_ANTHROPIC_REQUEST_ID]: 'req_fake_1',
      [ATTR_ERROR_TYPE]: ErrorType.OVERLOADED,
      [ATTR_ATTEMPT_OUTCOME]: AttemptOutcome.RETRYABLE_ERROR,
    });
    expect(spans[1]!.attributes).toMatchObject({ ...request(2), [ATTR_GEN_AI_REQUEST_STREAM]: true, [ATTR_ATTEMPT_OUTCOME]: AttemptOutcome.SUCCESS });
  });

  it('gives messages.stream() one CLIENT span per request too', async () => {
    const c = await client(overloaded(0));
    const message = await c.messages.stream({ model: SONNET, max_tokens: 64, messages }).finalMessage();
    expect(message.content.length).toBeGreaterThan(0);
    const spans = clientSpans();
    expect(server.requests).toHaveLength(2);
    expect(spans).toHaveLength(server.requests.length);
    expect(activeAtFetch).toEqual(spans.map((s) => s.spanContext().spanId));
    expect(spans.map((s) => [s.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE], s.attributes[ATTR_ATTEMPT_OUTCOME]])).toEqual([
      [529, AttemptOutcome.RETRYABLE_ERROR],
      [200, AttemptOutcome.SUCCESS],
    ]);
  });

  it('counts the tokens and cost of a stream once it was read to its end', async () => {
    const reader = new CumulativeReader();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    const c = await client(ok({ text: 'one two three four', outputTokens: 9 }));
    const stream = await c.messages.create({ model: SONNET, max_tokens: 64, messages, stream: true });
    const points = async (name: string) => {
      const { resourceMetrics } = await reader.collect();
      const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
      return (metric?.dataPoints ?? []).map((p) => [p.attributes[ATTR_GEN_AI_TOKEN_TYPE] ?? p.attributes[ATTR_COST_KIND], typeof p.value === 'number' ? p.value : (p.value as { sum: number }).sum]);
    };
    // The call ended at the first content: nothing is known of its usage yet.
    expect(await points(METRIC_GEN_AI_TOKEN_USAGE)).toEqual([]);
    let input = 0;
    for await (const event of stream) if (event.type === 'message_start') input = event.message.usage.input_tokens;
    expect(await points(METRIC_GEN_AI_TOKEN_USAGE)).toEqual([
      [TokenType.INPUT, input],
      [TokenType.OUTPUT, 9],
    ]);
    expect(await points(METRIC_COST_USD)).toEqual([[CostKind.USEFUL, expect.closeTo((input * 3 + 9 * 15) / 1e6, 12)]]);
  });

  it('records a reset connection as a connection error without a status code', async () => {
    const c = await client(reset());
    await c.messages.create({ model: SONNET, max_tokens: 64, messages });
    const spans = clientSpans();
    expect(spans).toHaveLength(server.requests.length);
    expect(spans[0]!.attributes).toEqual({
      ...request(1),
      ...waited,
      [ATTR_GEN_AI_REQUEST_STREAM]: false,
      [ATTR_ERROR_TYPE]: ErrorType.CONNECTION,
      [ATTR_ATTEMPT_OUTCOME]: AttemptOutcome.RETRYABLE_ERROR,
    });
  });

  it('marks a call refused with a 400 ERROR after its single request', async () => {
    const c = await client(apiError(400, 'invalid_request_error'));
    await expect(c.messages.create({ model: SONNET, max_tokens: 64, messages })).rejects.toMatchObject({ status: 400 });
    const spans = clientSpans();
    expect(server.requests).toHaveLength(1);
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes).toEqual({
      ...request(1),
      [ATTR_GEN_AI_REQUEST_STREAM]: false,
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: 400,
      [ATTR_ANTHROPIC_REQUEST_ID]: 'req_fake_1',
      [ATTR_ERROR_TYPE]: ErrorType.INVALID_REQUEST,
      [ATTR_ATTEMPT_OUTCOME]: AttemptOutcome.FATAL_ERROR,
    });
    const [call] = exporter.getFinishedSpans().filter((s) => s.name === SPAN_CALL);
    expect(call!.status.code).toBe(SpanStatusCode.ERROR);
    expect(call!.attributes[ATTR_ERROR_TYPE]).toBe(ErrorType.INVALID_REQUEST);
  });

  it('records message content on the attempt span only when capture is on', async () => {
    vi.stubEnv(CAPTURE_CONTENT_ENV, ''); // the default, whatever the machine running the test says
    const off = await clientWith({}, ok({ text: 'Hello back' }));
    await off.messages.create({ model: SONNET, max_tokens: 64, system: 'Be brief.', messages });
    const content = [ATTR_GEN_AI_INPUT_MESSAGES, ATTR_GEN_AI_OUTPUT_MESSAGES, ATTR_GEN_AI_SYSTEM_INSTRUCTIONS];
    expect(Object.keys(clientSpans()[0]!.attributes).filter((k) => content.includes(k))).toEqual([]);
    await server.close();
    exporter.reset();

    vi.unstubAllEnvs();
    const on = await clientWith({ capture: true }, ok({ text: 'Hello back' }));
    await on.messages.create({ model: SONNET, max_tokens: 64, system: 'Be brief.', messages });
    const [attempt] = clientSpans();
    expect(JSON.parse(attempt!.attributes[ATTR_GEN_AI_INPUT_MESSAGES] as string)).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'Hi' }] }]);
    expect(JSON.parse(attempt!.attributes[ATTR_GEN_AI_SYSTEM_INSTRUCTIONS] as string)).toEqual([{ type: 'text', content: 'Be brief.' }]);
    expect(JSON.parse(attempt!.attributes[ATTR_GEN_AI_OUTPUT_MESSAGES] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Hello back' }], finish_reason: 'end_turn' },
    ]);
  });
});
