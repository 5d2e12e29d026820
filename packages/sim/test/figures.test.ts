import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../src/fleet.js';
import { computeFigures, drainMs, quantile } from '../src/figures.js';
import type { PolicyRun } from '../src/runPolicy.js';
import type { AttemptRecord, AttemptResult } from '../src/SimulatedService.js';
import { storm50 } from '../src/scenarios/storm50.js';
import { computeTimeline } from '../src/timeline.js';
import { checkTargets } from '../src/report/targets.js';
import type { Comparison } from '../src/compare.js';

const MODEL = storm50.fleet.model;
const scenario = { ...storm50, storm: { startS: 2, endS: 4 } };

function call(id: number, startMs: number, endMs: number, ok: boolean): CallRecord {
  return { id, client: 0, startMs, endMs, deadlineMs: 5000, inputTokens: 1000, outputTokens: 100, stream: false, ok, messageId: undefined, model: ok ? MODEL : undefined, error: ok ? undefined : 'X' };
}

function attempt(seq: number, callId: number, sentAtMs: number, result: AttemptResult, billed = [0, 0]): AttemptRecord {
  return {
    seq, callId, model: MODEL, stream: false, sentAtMs, inputTokens: 1000, outputTokens: 100,
    arrivedAtMs: sentAtMs + 30, admittedAtMs: result === 'ok' ? sentAtMs + 30 : undefined, endedAtMs: sentAtMs + 500,
    result, billedInputTokens: billed[0]!, billedOutputTokens: billed[1]!, retryAfterS: undefined,
  };
}

/** Call 0 succeeds at once; call 1 (in the storm) gets a 529, then a broken stream, then succeeds late; call 2 fails. */
const run: PolicyRun = {
  policyId: 'p',
  label: 'P',
  description: 'test',
  scenario,
  seed: 1,
  calls: [call(0, 100, 600, true), call(1, 2100, 8000, true), call(2, 3000, 3500, false)],
  attempts: [
    attempt(0, 0, 100, 'ok', [1000, 100]),
    attempt(1, 1, 2100, 'overloaded'),
    attempt(2, 1, 3000, 'stream_overloaded', [1000, 40]),
    attempt(3, 2, 3000, 'reset'),
    attempt(4, 1, 7000, 'ok', [1000, 100]),
  ],
  admissions: [],
  endMs: 8000,
};

describe('figures', () => {
  it('computes every figure from the records', () => {
    expect(computeFigures(run, 2000)).toEqual({
      policyId: 'p',
      label: 'P',
      calls: 3,
      attempts: 5,
      amplification: 5 / 3,
      stormAmplification: 4 / 2,
      http529: 1,
      streamOverloaded: 1,
      http429: 0,
      resets: 1,
      resentInputTokens: 2000,
      billedWasteInputTokens: 1000,
      billedWasteOutputTokens: 40,
      // Sonnet: $3 / $15 per million.
      wastedUsd: (1000 * 3 + 40 * 15) / 1e6,
      successWithinDeadline: 1 / 3,
      succeeded: 2,
      fallbackAnswers: 0,
      p50LatencyMs: 500,
      p99LatencyMs: 5900,
      // No call open at a whole second before the storm; call 1 stays open until 8 s.
      drainMs: 4000,
      drainVsOracle: 2,
      successByPhase: { before: 1, storm: 0, after: 0 },
      failures: { X: 1 },
      // Every billed token: 3 000 input and 240 output.
      billedInputTokens: 3000,
      billedOutputTokens: 240,
      billedUsd: (3000 * 3 + 240 * 15) / 1e6,
      deferral: { deferred: 0, completed: 0, completedShare: undefined, completedAfterRecovery: 0, completedWithinDeadline: 0, drainAttempts: 0, drain529s: 0, drain529sFirst30s: 0 },
      // The 529 (answered at 2.6 s) is in the storm; call 1 is open (in memory) at its end.
      recovery: { first30s: 0, first60s: 0, after: 0, calm30s: 0, attemptsFirst30s: 1, burst: false, heldInMemory: 1, inQueue: 0 },
      // No Message Batch sent.
      batch: { batches: 0, requests: 0, succeeded: 0, callsAnswered: 0, billedInputTokens: 0, billedOutputTokens: 0, billedUsd: 0, listUsd: 0, spanMs: 0 },
    });
  });

  it('bills the succeeded requests of Message Batches at half the list price, and adds them to the bill', () => {
    const req = (callId: number, result: 'succeeded' | 'errored' | 'expired') => ({ callId, customId: `t${callId}`, model: MODEL, inputTokens: 10_000, outputTokens: 1_000, result });
    const deferred = { ...call(9, 500, 4_000_000, true), deferredAtMs: 700, messageId: 'msg_fake_msgbatch_fake_1_1' };
    const withBatches = {
      ...run,
      calls: [...run.calls, deferred],
      batches: [
        { id: 'msgbatch_fake_1', createdAtMs: 60_000, endedAtMs: 3_660_000, requests: [req(9, 'succeeded'), req(10, 'errored')] },
        { id: 'msgbatch_fake_2', createdAtMs: 120_000, endedAtMs: undefined, requests: [req(11, 'expired')] },
      ],
    };
    // Sonnet at list: 10 000 × $3 + 1 000 × $15 per million = $0.045; the batch bills half.
    const f = computeFigures(withBatches, 2000);
    expect(f.batch).toEqual({ batches: 2, requests: 3, succeeded: 1, callsAnswered: 1, billedInputTokens: 10_000, billedOutputTokens: 1_000, billedUsd: 0.0225, listUsd: 0.045, spanMs: 3_600_000 });
    const without = computeFigures(run, 2000);
    expect(f.billedUsd).toBeCloseTo(without.billedUsd + 0.0225, 12);
    expect([f.billedInputTokens, f.billedOutputTokens]).toEqual([without.billedInputTokens + 10_000, without.billedOutputTokens + 1_000]);
    // A deferred call answered interactively (msg_sim_) is not counted as answered by a batch.
    expect(computeFigures({ ...withBatches, calls: [...run.calls, { ...deferred, messageId: 'msg_sim_4' }] }, 2000).batch.callsAnswered).toBe(0);
  });

  it('measures the drain from the storm end to the pre-storm level of open calls', () => {
    expect(drainMs(run)).toBe(4000);
    // One call open before the storm makes one the normal level: two are open at 4 s, one at 5 s.
    expect(drainMs({ ...run, calls: [call(5, 0, 1500, true), call(7, 3500, 4500, true), ...run.calls] })).toBe(1000);
    // A call failing after the storm (say, refused by an open breaker at 6.2 s) holds the drain until it ends.
    expect(drainMs({ ...run, calls: [call(5, 0, 1500, true), call(7, 3500, 4500, true), call(8, 6000, 6200, false), ...run.calls] })).toBe(3000);
  });

  it('takes nearest-rank quantiles', () => {
    expect([quantile([], 0.5), quantile([5], 0.99), quantile([1, 2, 3, 4], 0.5), quantile([1, 2, 3, 4], 0.99)]).toEqual([0, 5, 2, 4]);
  });

  it('builds per-second series', () => {
    const t = computeTimeline(run, 9);
    expect(t).toEqual({
      seconds: 9,
      attempts: [1, 0, 1, 2, 0, 0, 0, 1, 0],
      http529: [0, 0, 1, 0, 0, 0, 0, 0, 0],
      successes: [1, 0, 0, 0, 0, 0, 0, 0, 1],
      openCalls: [0, 0, 0, 2, 1, 1, 1, 1, 0],
      cumulativeResentTokens: [0, 0, 0, 1000, 1000, 1000, 1000, 2000, 2000],
      cumulativeWastedUsd: [0, 0, 0, 0.0036, 0.0036, 0.0036, 0.0036, 0.0036, 0.0036],
      zoomStartMs: 1000,
      // Attempts at 2.1 s, 3.0 s (two) and 7.0 s, in 100 ms bins from 1 s.
      zoomAttempts: Array.from({ length: 200 }, (_, i) => ({ 11: 1, 20: 2, 60: 1 })[i] ?? 0),
    });
  });

  it('checks the targets against the SDK default, the best peer and the oracle', () => {
    const f = computeFigures(run, 2000);
    const c: Comparison = {
      scenario,
      seed: 1,
      elapsedMs: 0,
      results: [
        { policyId: 'sdk-default', label: 'S', description: '', figures: { ...f, policyId: 'sdk-default', http529: 10, successWithinDeadline: 0.5 }, timeline: computeTimeline(run, 9) },
        { policyId: 'stormwatch', label: 'W', description: '', figures: { ...f, policyId: 'stormwatch', http529: 2, amplification: 1.1, stormAmplification: 1.3, drainMs: 2500 }, timeline: computeTimeline(run, 9) },
        { policyId: 'oracle', label: 'O', description: '', figures: { ...f, policyId: 'oracle', drainMs: 2000 }, timeline: computeTimeline(run, 9) },
      ],
    };
    expect(checkTargets(c)).toEqual([
      { name: 'retry amplification during the storm', target: '≤ 1.10', value: '1.30', met: false },
      { name: 'retry amplification overall', target: '≤ 1.20', value: '1.10', met: true },
      { name: '529s received vs SDK default', target: '≤ 15 %', value: '20.0 % (2 / 10)', met: false },
      { name: 'success within deadline', target: '≥ 90.0 %', value: `${(f.successWithinDeadline * 100).toFixed(1)} %`, met: f.successWithinDeadline >= 0.9 },
      { name: 'success within deadline vs best peer', target: '≥ 50.0 %', value: '33.3 %', met: false },
      { name: 'drain time vs oracle', target: '≤ 1.25×', value: '1.25× (3 s / 2 s)', met: true },
    ]);
  });

  it("checks the shared store's targets when its row is there, and never counts it as a peer", () => {
    const f = computeFigures(run, 2000);
    const row = (policyId: string, over: Partial<typeof f>) => ({ policyId, label: policyId, description: '', figures: { ...f, policyId, ...over }, timeline: computeTimeline(run, 9) });
    const c: Comparison = {
      scenario,
      seed: 1,
      elapsedMs: 0,
      results: [
        row('sdk-default', { http529: 100, successWithinDeadline: 0.5 }),
        row('stormwatch', { http529: 10, successWithinDeadline: 0.92 }),
        row('stormwatch-shared', { http529: 5, successWithinDeadline: 0.96 }),
      ],
    };
    const checks = checkTargets(c);
    expect(checks.find((t) => t.name === 'success within deadline vs best peer')).toMatchObject({ target: '≥ 50.0 %', met: true });
    expect(checks.slice(-2)).toEqual([
      { name: 'shared store: success within deadline', target: '≥ 97.0 %', value: '96.0 %', met: false },
      { name: 'shared store: 529s received vs SDK default', target: '≤ 5 %', value: '5.0 % (5 / 100)', met: true },
    ]);
    expect(checkTargets({ ...c, results: c.results.slice(0, 2) }).some((t) => t.name.startsWith('shared store'))).toBe(false);
  });
});
