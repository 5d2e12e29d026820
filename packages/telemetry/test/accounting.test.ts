import { diag, DiagLogLevel, trace, type DiagLogger, type Tracer, type TracerProvider } from '@opentelemetry/api';
import {
  ATTR_CALL_ATTEMPTS,
  ATTR_CALL_FINAL_MODEL,
  ATTR_CALL_OUTCOME,
  ATTR_COST_KIND,
  ATTR_COST_USD,
  ATTR_COST_WASTED_USD,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_POLICY,
  ATTR_TOKENS_WASTED_INPUT,
  ATTR_TOKENS_WASTED_OUTPUT,
  ATTR_WASTE_KIND,
  attemptSpanName,
  CallOutcome,
  CostKind,
  GEN_AI_OPERATION_CHAT,
  GEN_AI_PROVIDER_ANTHROPIC,
  METRIC_CALLS,
  METRIC_COST_USD,
  METRIC_GEN_AI_TOKEN_USAGE,
  METRIC_TOKENS_WASTED,
  SPAN_CALL,
  TokenType,
  WasteKind,
} from '@stormwatch/conventions';
import type { AttemptContext } from '@stormwatch/core';
import { afterEach, describe, expect, it } from 'vitest';
import { attemptContext, instrumentPolicy, recordMessageContent } from '../src/index.js';
import { overloaded, script, settle, setup } from './harness.js';

const OPUS = 'claude-opus-4-7';

describe('waste and cost', () => {
  it('puts the call details on the call span and adds them to the waste and cost counters', async () => {
    const t = setup();
    const fn = script([overloaded(), 'ok'], (ctx) => {
      const d = ctx.call.details;
      if (ctx.attempt === 1) {
        d.wastedInputTokens.resent += 100;
        d.costUsd = 0;
        d.wastedCostUsd = 0.0015;
      } else {
        d.costUsd = 0.002;
      }
    });
    expect(await settle(t.clock, t.policy.execute(fn, { model: OPUS }))).toEqual({ value: 'ok' });
    const [call] = t.spanNamed(SPAN_CALL);
    expect(call!.attributes).toEqual({
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_CHAT,
      [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_ANTHROPIC,
      [ATTR_GEN_AI_REQUEST_MODEL]: OPUS,
      [ATTR_POLICY]: 'chat',
      [ATTR_CALL_OUTCOME]: CallOutcome.SUCCESS,
      [ATTR_CALL_ATTEMPTS]: 2,
      [ATTR_CALL_FINAL_MODEL]: OPUS,
      [ATTR_TOKENS_WASTED_INPUT]: 100,
      [ATTR_TOKENS_WASTED_OUTPUT]: 0,
      [ATTR_COST_USD]: 0.002,
      [ATTR_COST_WASTED_USD]: 0.0015,
    });
    expect(await t.points(METRIC_TOKENS_WASTED)).toEqual([
      { attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'chat', [ATTR_GEN_AI_TOKEN_TYPE]: TokenType.INPUT, [ATTR_WASTE_KIND]: WasteKind.RESENT }, value: 100 },
    ]);
    expect(await t.points(METRIC_COST_USD)).toEqual([
      { attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'chat', [ATTR_COST_KIND]: CostKind.USEFUL }, value: 0.002 },
      { attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'chat', [ATTR_COST_KIND]: CostKind.WASTED }, value: 0.0015 },
    ]);
  });

  it('adds billed waste reported after the call ended (a stream cut after delivery)', async () => {
    const t = setup();
    let seen: AttemptContext | undefined;
    await settle(t.clock, t.policy.execute(script(['ok'], (ctx) => void (seen = ctx)), { model: OPUS }));
    const ctx = seen!;
    ctx.details.billedWaste = { inputTokens: 40, outputTokens: 12 };
    ctx.call.details.wastedInputTokens.billed += 40;
    ctx.call.details.wastedOutputTokens.billed += 12;
    ctx.call.details.wastedCostUsd = 0.01;
    t.policy.reportLateFailure({ call: ctx.call, model: ctx.model, attempt: 1, error: new TypeError('terminated'), details: ctx.details });
    expect(await t.points(METRIC_TOKENS_WASTED)).toEqual([
      { attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'chat', [ATTR_GEN_AI_TOKEN_TYPE]: TokenType.INPUT, [ATTR_WASTE_KIND]: WasteKind.BILLED }, value: 40 },
      { attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'chat', [ATTR_GEN_AI_TOKEN_TYPE]: TokenType.OUTPUT, [ATTR_WASTE_KIND]: WasteKind.BILLED }, value: 12 },
    ]);
    expect(await t.points(METRIC_COST_USD)).toEqual([{ attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'chat', [ATTR_COST_KIND]: CostKind.WASTED }, value: 0.01 }]);
  });

  it('labels waste and cost with the name of the policy that spent them, so cost can be split by policy', async () => {
    const t = setup({ name: 'batch' });
    const fn = script([overloaded(), 'ok'], (ctx) => {
      const d = ctx.call.details;
      if (ctx.attempt === 1) {
        d.wastedInputTokens.resent += 10;
        d.wastedCostUsd = 0.001;
      } else {
        d.costUsd = 0.004;
      }
    });
    await settle(t.clock, t.policy.execute(fn, { model: OPUS }));
    const policies = async (name: string) => (await t.points(name)).map((p) => p.attributes[ATTR_POLICY]);
    expect(await policies(METRIC_TOKENS_WASTED)).toEqual(['batch']);
    expect(await policies(METRIC_COST_USD)).toEqual(['batch', 'batch']);
  });
});

describe('streams delivered from their first content', () => {
  const op = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_CHAT,
    [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_ANTHROPIC,
    [ATTR_GEN_AI_REQUEST_MODEL]: OPUS,
  };
  const sums = async (t: ReturnType<typeof setup>) =>
    (await t.points(METRIC_GEN_AI_TOKEN_USAGE)).map((p) => [p.attributes, (p.value as { sum: number; count: number }).sum, (p.value as { count: number }).count]);

  it('adds the usage and cost known only once the stream was read to its end', async () => {
    const t = setup();
    let seen: AttemptContext | undefined;
    await settle(t.clock, t.policy.execute(script(['head'], (ctx) => void (ctx.details.stream = true, (seen = ctx))), { model: OPUS }));
    expect(await t.points(METRIC_GEN_AI_TOKEN_USAGE)).toEqual([]);
    expect(await t.points(METRIC_COST_USD)).toEqual([]);

    const ctx = seen!;
    ctx.details.usage = { inputTokens: 30, outputTokens: 400, cacheReadInputTokens: 10 };
    ctx.call.details.costUsd = 0.03;
    t.policy.reportLateSuccess({ call: ctx.call, model: ctx.model, attempt: 1, details: ctx.details });
    expect(await sums(t)).toEqual([
      [{ ...op, [ATTR_GEN_AI_TOKEN_TYPE]: TokenType.INPUT }, 40, 1],
      [{ ...op, [ATTR_GEN_AI_TOKEN_TYPE]: TokenType.OUTPUT }, 400, 1],
    ]);
    expect(await t.points(METRIC_COST_USD)).toEqual([{ attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'chat', [ATTR_COST_KIND]: CostKind.USEFUL }, value: 0.03 }]);
  });

  it('does not count usage twice when the attempt already reported it', async () => {
    const t = setup();
    let seen: AttemptContext | undefined;
    const fn = script(['ok'], (ctx) => {
      seen = ctx;
      ctx.details.usage = { inputTokens: 5, outputTokens: 7 };
      ctx.call.details.costUsd = 0.001;
    });
    await settle(t.clock, t.policy.execute(fn, { model: OPUS }));
    const ctx = seen!;
    t.policy.reportLateSuccess({ call: ctx.call, model: ctx.model, attempt: 1, details: ctx.details });
    expect(await sums(t)).toEqual([
      [{ ...op, [ATTR_GEN_AI_TOKEN_TYPE]: TokenType.INPUT }, 5, 1],
      [{ ...op, [ATTR_GEN_AI_TOKEN_TYPE]: TokenType.OUTPUT }, 7, 1],
    ]);
    expect(await t.points(METRIC_COST_USD)).toEqual([{ attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'chat', [ATTR_COST_KIND]: CostKind.USEFUL }, value: 0.001 }]);
  });
});

describe('message content', () => {
  const content = { input: [{ role: 'user', parts: [{ type: 'text', content: 'secret prompt' }] }], output: 'x'.repeat(50) };

  it('records nothing by default', async () => {
    const t = setup();
    let recorded: boolean | undefined;
    await settle(t.clock, t.policy.execute(script(['ok'], (ctx) => void (recorded = recordMessageContent(ctx, content))), { model: OPUS }));
    expect(recorded).toBe(false);
    const [attempt] = t.spanNamed(attemptSpanName(OPUS));
    expect(Object.keys(attempt!.attributes).filter((k) => k === ATTR_GEN_AI_INPUT_MESSAGES || k === ATTR_GEN_AI_OUTPUT_MESSAGES)).toEqual([]);
  });

  it('records capped content on the attempt span when opted in', async () => {
    const t = setup({}, { captureMessageContent: true, maxContentLength: 20 });
    await settle(t.clock, t.policy.execute(script(['ok'], (ctx) => void recordMessageContent(ctx, content)), { model: OPUS }));
    const [attempt] = t.spanNamed(attemptSpanName(OPUS));
    expect(attempt!.attributes[ATTR_GEN_AI_INPUT_MESSAGES]).toBe(JSON.stringify(content.input).slice(0, 20));
    expect(attempt!.attributes[ATTR_GEN_AI_OUTPUT_MESSAGES]).toBe('x'.repeat(20));
  });
});

describe('robustness', () => {
  afterEach(() => diag.disable());

  it('reports a failing tracer to diag and lets the call succeed', async () => {
    const errors: unknown[][] = [];
    const logger: DiagLogger = { error: (...a) => void errors.push(a), warn: () => {}, info: () => {}, debug: () => {}, verbose: () => {} };
    diag.setLogger(logger, DiagLogLevel.ERROR);
    const broken: Tracer = {
      startSpan: () => {
        throw new Error('exporter exploded');
      },
      startActiveSpan: () => {
        throw new Error('exporter exploded');
      },
    };
    const tracerProvider: TracerProvider = { getTracer: () => broken };
    const t = setup({}, { tracerProvider });
    expect(await settle(t.clock, t.policy.execute(script(['ok']), { model: OPUS }))).toEqual({ value: 'ok' });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]![0]).toBe('@stormwatch/telemetry: callStart listener failed');
  });

  it('stops emitting once disposed', async () => {
    const t = setup();
    t.handle.dispose();
    await settle(t.clock, t.policy.execute(script(['ok']), { model: OPUS }));
    expect(t.spans()).toEqual([]);
    expect(await t.points(METRIC_CALLS)).toEqual([]);
  });

  it('rejects bad options naming the value', () => {
    const t = setup();
    expect(() => instrumentPolicy(t.policy, { maxContentLength: 0 })).toThrow(new RangeError('instrumentPolicy: maxContentLength must be a positive integer, got 0'));
    expect(() => instrumentPolicy(t.policy, { captureMessageContent: 'yes' as unknown as boolean })).toThrow(
      new TypeError('instrumentPolicy: captureMessageContent must be a boolean, got yes'),
    );
    expect(() => instrumentPolicy(t.policy, null as never)).toThrow(TypeError);
  });

  it('gives adapters the attempt context, and the active one outside attempts', async () => {
    const t = setup();
    let inside: string | undefined;
    let seen: AttemptContext | undefined;
    await settle(
      t.clock,
      t.policy.execute(
        script(['ok'], (ctx) => {
          seen = ctx;
          inside = trace.getSpan(attemptContext(ctx))?.spanContext().spanId;
        }),
        { model: OPUS },
      ),
    );
    const [attempt] = t.spanNamed(attemptSpanName(OPUS));
    expect(inside).toBe(attempt!.spanContext().spanId);
    expect(trace.getSpan(attemptContext(seen!))).toBeUndefined();
  });
});
