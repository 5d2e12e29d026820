import { trace, type Span } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { ATTR_GEN_AI_INPUT_MESSAGES, attemptSpanName, SPAN_CALL } from '@stormwatch/conventions';
import type { AttemptContext } from '@stormwatch/core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { attemptContext, instrumentPolicy, recordMessageContent, type TelemetryOptions } from '../src/index.js';
import { overloaded, script, settle, setup } from './harness.js';

const OPUS = 'claude-opus-4-7';
const HTTP = 'POST /v1/messages';

/** A second tracer provider with its own in-memory exporter. */
function provider() {
  const exporter = new InMemorySpanExporter();
  return { exporter, tracerProvider: new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }) };
}

const idOf = (span: ReadableSpan | Span) => span.spanContext().spanId;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const named = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);

/** A policy instrumented into provider A (the harness's), then into provider B; B's instrumentation is disposed after the test. */
function twoInstrumentations(telemetryA: TelemetryOptions = {}, telemetryB: TelemetryOptions = {}) {
  const a = setup({}, telemetryA);
  const b = provider();
  const second = instrumentPolicy(a.policy, { tracerProvider: b.tracerProvider, ...telemetryB });
  onTestFinished(() => second.dispose());
  return { a, spansB: () => b.exporter.getFinishedSpans() };
}

/** Every span's parent is a span of the same exporter and trace (or none, for the root). */
function expectWhole(spans: ReadableSpan[]): void {
  const byId = new Map(spans.map((s) => [idOf(s), s]));
  for (const span of spans) {
    const parentId = parentOf(span);
    if (parentId === undefined) continue;
    expect(byId.has(parentId), `parent of ${span.name} is in this trace`).toBe(true);
    expect(byId.get(parentId)!.spanContext().traceId).toBe(span.spanContext().traceId);
  }
}

describe('one policy instrumented into two tracer providers', () => {
  it('parents what runs during an attempt to the attempt span of the first instrumentation', async () => {
    const { a } = twoInstrumentations();
    // An HTTP instrumentation that reports to provider A (as one on the global provider does).
    const http = a.tracerProvider.getTracer('http');
    await settle(a.clock, a.policy.execute(script([overloaded(), 'ok'], () => http.startSpan(HTTP).end()), { model: OPUS }));

    const spansA = a.spans();
    const attemptsA = named(spansA, attemptSpanName(OPUS));
    expect(attemptsA).toHaveLength(2);
    expect(named(spansA, HTTP).map(parentOf)).toEqual(attemptsA.map(idOf));
    expectWhole(spansA);
  });

  it('gives the second instrumentation a whole trace of its own spans', async () => {
    const { a, spansB } = twoInstrumentations();
    await settle(a.clock, a.policy.execute(script([overloaded(), 'ok']), { model: OPUS }));

    const spans = spansB();
    const [call] = named(spans, SPAN_CALL);
    expect(named(spans, attemptSpanName(OPUS)).map(parentOf)).toEqual([idOf(call!), idOf(call!)]);
    expect(spans.filter((s) => s !== call).map(parentOf)).toEqual(spans.filter((s) => s !== call).map(() => idOf(call!)));
    expectWhole(spans);
  });

  it("gives adapters the first instrumentation's attempt context, and the next one's once the first is disposed", async () => {
    const { a, spansB } = twoInstrumentations();
    const seen: Array<string | undefined> = [];
    const fn = script(['ok', 'ok'], (ctx: AttemptContext) => void seen.push(trace.getSpan(attemptContext(ctx))?.spanContext().spanId));

    await settle(a.clock, a.policy.execute(fn, { model: OPUS }));
    a.handle.dispose();
    await settle(a.clock, a.policy.execute(fn, { model: OPUS }));

    expect(seen).toEqual([idOf(a.spanNamed(attemptSpanName(OPUS))[0]!), idOf(named(spansB(), attemptSpanName(OPUS))[1]!)]);
  });

  it('makes the next instrumentation active for the following attempts of a call during which the first was disposed', async () => {
    const { a, spansB } = twoInstrumentations();
    const active: Array<string | undefined> = [];
    const fn = script([overloaded(), 'ok'], (ctx: AttemptContext) => {
      active.push(trace.getActiveSpan()?.spanContext().spanId);
      if (ctx.attempt === 1) a.handle.dispose();
    });
    await settle(a.clock, a.policy.execute(fn, { model: OPUS }));

    const [, attemptB] = named(spansB(), attemptSpanName(OPUS));
    expect(active[1]).toBe(idOf(attemptB!));
  });

  it('records message content on the attempt span of each instrumentation that captures it, with its own cap', async () => {
    const { a, spansB } = twoInstrumentations({ captureMessageContent: true, maxContentLength: 10 }, { captureMessageContent: false });
    const c = provider();
    const third = instrumentPolicy(a.policy, { tracerProvider: c.tracerProvider, captureMessageContent: true, maxContentLength: 4 });
    const input = 'x'.repeat(50);
    let recorded: boolean | undefined;
    await settle(a.clock, a.policy.execute(script(['ok'], (ctx) => void (recorded = recordMessageContent(ctx, { input }))), { model: OPUS }));

    expect(recorded).toBe(true);
    const inputOf = (spans: ReadableSpan[]) => named(spans, attemptSpanName(OPUS))[0]!.attributes[ATTR_GEN_AI_INPUT_MESSAGES];
    expect([inputOf(a.spans()), inputOf(spansB()), inputOf(c.exporter.getFinishedSpans())]).toEqual(['x'.repeat(10), undefined, 'x'.repeat(4)]);
    third.dispose();
  });
});
