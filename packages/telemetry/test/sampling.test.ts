import { trace } from '@opentelemetry/api';
import { AlwaysOffSampler, InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_ATTEMPT_OUTCOME, ATTR_ATTEMPT_RETRY, ATTR_CALL_OUTCOME, ATTR_ERROR_TYPE, ATTR_GEN_AI_REQUEST_MODEL, ATTR_POLICY, AttemptOutcome, CallOutcome, ErrorType, METRIC_ATTEMPTS, METRIC_CALLS } from '@stormwatch/conventions';
import { describe, expect, it } from 'vitest';
import { overloaded, script, settle, setup } from './harness.js';

const OPUS = 'claude-opus-4-7';

describe('a sampler that drops the trace', () => {
  it('leaves no span and every metric', async () => {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new TracerProvider({ sampler: new AlwaysOffSampler(), spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const t = setup({}, { tracerProvider });
    const recordingInAttempt: boolean[] = [];
    const fn = script([overloaded(), 'ok'], () => void recordingInAttempt.push(trace.getActiveSpan()?.isRecording() ?? true));
    expect(await settle(t.clock, t.policy.execute(fn, { model: OPUS }))).toEqual({ value: 'ok' });

    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(recordingInAttempt).toEqual([false, false]);
    expect(await t.points(METRIC_CALLS)).toEqual([
      { attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'chat', [ATTR_CALL_OUTCOME]: CallOutcome.SUCCESS }, value: 1 },
    ]);
    expect(await t.points(METRIC_ATTEMPTS)).toEqual([
      {
        attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'chat', [ATTR_ATTEMPT_OUTCOME]: AttemptOutcome.RETRYABLE_ERROR, [ATTR_ATTEMPT_RETRY]: false, [ATTR_ERROR_TYPE]: ErrorType.OVERLOADED },
        value: 1,
      },
      { attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'chat', [ATTR_ATTEMPT_OUTCOME]: AttemptOutcome.SUCCESS, [ATTR_ATTEMPT_RETRY]: true }, value: 1 },
    ]);
  });
});
