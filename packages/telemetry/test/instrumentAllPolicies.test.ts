import { diag, DiagLogLevel } from '@opentelemetry/api';
import { ATTR_POLICY, attemptSpanName, SPAN_CALL } from '@stormwatch/conventions';
import { createPolicy } from '@stormwatch/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { instrumentAllPolicies, instrumentPolicy } from '../src/index.js';
import { classify, ensureContextManager, script } from './harness.js';

const OPUS = 'claude-opus-4-7';

function provider() {
  const exporter = new InMemorySpanExporter();
  return { exporter, tracerProvider: new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }) };
}

describe('instrumentAllPolicies', () => {
  it('instruments policies created before and after, each once, and stops when disposed', async () => {
    ensureContextManager();
    const { exporter, tracerProvider } = provider();
    const before = createPolicy({ name: 'before', classify });
    const first = instrumentAllPolicies({ tracerProvider });
    const second = instrumentAllPolicies({ tracerProvider });
    const after = createPolicy({ name: 'after', classify });
    await before.execute(script(['ok']), { model: OPUS });
    await after.execute(script(['ok']), { model: OPUS });
    expect(exporter.getFinishedSpans().filter((s) => s.name === SPAN_CALL).map((s) => s.attributes[ATTR_POLICY])).toEqual(['before', 'after']);

    first.dispose();
    second.dispose();
    exporter.reset();
    await after.execute(script(['ok']), { model: OPUS });
    const late = createPolicy({ name: 'late', classify });
    await late.execute(script(['ok']), { model: OPUS });
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('leaves a policy instrumented by hand alone', async () => {
    ensureContextManager();
    const { exporter, tracerProvider } = provider();
    const policy = createPolicy({ name: 'by-hand', classify });
    const byHand = instrumentPolicy(policy, { tracerProvider });
    const all = instrumentAllPolicies({ tracerProvider });
    await policy.execute(script(['ok']), { model: OPUS });
    expect(exporter.getFinishedSpans().filter((s) => s.name === SPAN_CALL)).toHaveLength(1);
    all.dispose();
    byHand.dispose();
  });

  it('does not instrument a policy twice into the same providers', async () => {
    ensureContextManager();
    const warnings: unknown[] = [];
    diag.setLogger({ error: () => {}, warn: (m) => void warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
    const { exporter, tracerProvider } = provider();
    const policy = createPolicy({ name: 'twice', classify });
    const first = instrumentPolicy(policy, { tracerProvider });
    const second = instrumentPolicy(policy, { tracerProvider });
    second.dispose(); // a no-op: the first instrumentation stays
    await policy.execute(script(['ok']), { model: OPUS });
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual([attemptSpanName(OPUS), SPAN_CALL]);
    expect(warnings).toEqual(['@stormwatch/telemetry: policy "twice" is already instrumented into these providers; not instrumenting it twice']);

    // Another provider gets its own spans.
    const other = provider();
    const third = instrumentPolicy(policy, { tracerProvider: other.tracerProvider });
    await policy.execute(script(['ok']), { model: OPUS });
    expect(exporter.getFinishedSpans()).toHaveLength(4);
    expect(other.exporter.getFinishedSpans()).toHaveLength(2);
    first.dispose();
    third.dispose();
    diag.disable();
  });

  it('rejects a bad option at once, not at the next createPolicy()', () => {
    expect(() => instrumentAllPolicies({ maxContentLength: -1 })).toThrow(new RangeError('instrumentAllPolicies: maxContentLength must be a positive integer, got -1'));
    expect(() => createPolicy({ name: 'after-bad-options', classify })).not.toThrow();
  });
});
