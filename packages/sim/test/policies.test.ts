import { describe, expect, it } from 'vitest';
import { runPolicy, type PolicyRun } from '../src/runPolicy.js';
import {
  cockatielDefault,
  exponentialNoJitter,
  fixedRetry,
  fullJitterBreaker,
  sdkDefault,
  stormwatch01,
  stormwatchDefault,
} from '../src/policies/index.js';
import { storm50 } from '../src/scenarios/storm50.js';
import { rateLimitWave } from '../src/scenarios/rateLimitWave.js';
import type { Scenario } from '../src/scenarios/Scenario.js';
import type { AttemptRecord } from '../src/SimulatedService.js';

const RTT = storm50.networkRttMs;

/** The service has almost no capacity for the whole run: nearly every attempt gets a 529 at arrival. */
const hopeless: Scenario = {
  ...storm50,
  durationS: 40,
  overloads: [{ startS: 0, endS: 1000, factor: 0.0001 }],
  storm: { startS: 0, endS: 40 },
  fleet: { ...storm50.fleet, clients: 10 },
};

/** A 429 wave from the start, with little else going on. */
const limited: Scenario = {
  ...rateLimitWave,
  durationS: 40,
  rateLimitWaves: [{ startS: 0, endS: 1000, requestsPerSecond: 1 }],
  storm: { startS: 0, endS: 40 },
  fleet: { ...rateLimitWave.fleet, clients: 10 },
};

function attemptsByCall(run: PolicyRun): AttemptRecord[][] {
  const byCall = new Map<number, AttemptRecord[]>();
  for (const a of run.attempts) byCall.set(a.callId, [...(byCall.get(a.callId) ?? []), a]);
  return [...byCall.values()];
}

/**
 * The waits a call's client chose between its attempts: the gap from receiving an
 * answer (the service's end plus half an RTT) to sending the next attempt.
 */
function waits(attempts: readonly AttemptRecord[]): number[] {
  return attempts.slice(1).map((a, i) => a.sentAtMs - (attempts[i]!.endedAtMs! + RTT / 2));
}

function allRefused(attempts: readonly AttemptRecord[]): boolean {
  return attempts.slice(0, -1).every((a) => a.result === 'overloaded');
}

describe('peer policies behave as defined', () => {
  it('fixed 1 s: retries after exactly 1 s, 3 attempts at most', async () => {
    const run = await runPolicy({ scenario: hopeless, policy: fixedRetry, seed: 3 });
    const calls = attemptsByCall(run);
    expect(Math.max(...calls.map((c) => c.length))).toBe(3);
    const retried = calls.filter((c) => c.length > 1 && allRefused(c));
    expect(retried.length).toBeGreaterThan(10);
    for (const c of retried) for (const w of waits(c)) expect(w).toBeCloseTo(1000, 6);
  });

  it('exponential without jitter: retries land on the 1-2-4-8 s grid, 5 attempts at most', async () => {
    const run = await runPolicy({ scenario: hopeless, policy: exponentialNoJitter, seed: 3 });
    const calls = attemptsByCall(run);
    expect(Math.max(...calls.map((c) => c.length))).toBe(5);
    const full = calls.filter((c) => c.length === 5 && allRefused(c));
    expect(full.length).toBeGreaterThan(10);
    for (const c of full) {
      const w = waits(c);
      expect(w.map((x) => Math.round(x))).toEqual([1000, 2000, 4000, 8000]);
      // Offsets from the first attempt are the same for every call: the grid.
      expect(c.map((a) => Math.round(a.sentAtMs - c[0]!.sentAtMs))).toEqual([0, 1000 + RTT, 3000 + 2 * RTT, 7000 + 3 * RTT, 15000 + 4 * RTT]);
    }
  });

  it("SDK default: 2 retries, the SDK's 0.5 s · 2^n backoff with up to 25 % jitter", async () => {
    const run = await runPolicy({ scenario: hopeless, policy: sdkDefault, seed: 3 });
    const calls = attemptsByCall(run);
    expect(Math.max(...calls.map((c) => c.length))).toBe(3);
    const full = calls.filter((c) => c.length === 3 && allRefused(c));
    expect(full.length).toBeGreaterThan(10);
    for (const c of full) {
      const [first, second] = waits(c);
      expect(first).toBeGreaterThanOrEqual(375);
      expect(first).toBeLessThanOrEqual(500);
      expect(second).toBeGreaterThanOrEqual(750);
      expect(second).toBeLessThanOrEqual(1000);
    }
    // Jittered: not all the same.
    expect(new Set(full.map((c) => Math.round(waits(c)[0]!))).size).toBeGreaterThan(3);
  });

  it('SDK default: waits exactly the retry-after of a 429', async () => {
    const run = await runPolicy({ scenario: limited, policy: sdkDefault, seed: 3 });
    const retried = attemptsByCall(run).filter((c) => c.length > 1);
    expect(retried.length).toBeGreaterThan(10);
    for (const c of retried) {
      c.slice(0, -1).forEach((a, i) => {
        expect(a.result).toBe('rate_limited');
        expect(waits(c)[i]).toBeCloseTo(a.retryAfterS! * 1000, 6);
      });
    }
  });

  it("cockatiel defaults: 4 attempts at most, decorrelated jitter under the 30 s cap", async () => {
    const run = await runPolicy({ scenario: hopeless, policy: cockatielDefault, seed: 3 });
    const calls = attemptsByCall(run);
    expect(Math.max(...calls.map((c) => c.length))).toBe(4);
    const all = calls.filter((c) => c.length > 1 && allRefused(c)).flatMap(waits);
    expect(all.length).toBeGreaterThan(20);
    for (const w of all) {
      expect(w).toBeGreaterThan(0);
      expect(w).toBeLessThanOrEqual(30_000);
    }
    expect(new Set(all.map(Math.round)).size).toBeGreaterThan(all.length / 2);
  });

  it('full jitter + breaker: waits in [0, min(30 s, 1 s · 2^(n-1))], and an open breaker stops the client for 30 s', async () => {
    const run = await runPolicy({ scenario: hopeless, policy: fullJitterBreaker, seed: 3 });
    const calls = attemptsByCall(run);
    expect(Math.max(...calls.map((c) => c.length))).toBeLessThanOrEqual(5);
    for (const c of calls.filter((c) => c.length > 1 && allRefused(c))) {
      waits(c).forEach((w, i) => {
        expect(w).toBeGreaterThanOrEqual(0);
        expect(w).toBeLessThanOrEqual(Math.min(30_000, 1000 * 2 ** i) + 1e-6);
      });
    }
    const clientOf = new Map(run.calls.map((c) => [c.id, c.client]));
    let opened = 0;
    for (let client = 0; client < hopeless.fleet.clients; client++) {
      const mine = run.attempts.filter((a) => clientOf.get(a.callId) === client).sort((a, b) => a.endedAtMs! - b.endedAtMs!);
      let streak = 0;
      for (const a of mine) {
        streak = a.result === 'ok' ? 0 : streak + 1;
        if (streak === 5) {
          opened++;
          const openAt = a.endedAtMs! + RTT / 2;
          const during = mine.filter((b) => b.sentAtMs > openAt && b.sentAtMs < openAt + 30_000);
          expect(during).toEqual([]);
          break;
        }
      }
    }
    expect(opened).toBeGreaterThan(5);
  });

  it('Stormwatch 0.1: at most 3 attempts, the SDK retries off, retry-after honoured', async () => {
    const run = await runPolicy({ scenario: limited, policy: stormwatch01, seed: 3 });
    const calls = attemptsByCall(run);
    expect(Math.max(...calls.map((c) => c.length))).toBeLessThanOrEqual(3);
    const retried = calls.filter((c) => c.length > 1);
    expect(retried.length).toBeGreaterThan(5);
    for (const c of retried) {
      c.slice(0, -1).forEach((a, i) => {
        expect(a.result).toBe('rate_limited');
        expect(waits(c)[i]).toBeGreaterThanOrEqual(a.retryAfterS! * 1000 - 1e-6);
      });
    }
  });

  it('Stormwatch default: a 429 pauses the model, so no attempt goes out before the retry-after of the last 429', async () => {
    const run = await runPolicy({ scenario: limited, policy: stormwatchDefault, seed: 3 });
    const mine = [...run.attempts].sort((a, b) => a.sentAtMs - b.sentAtMs);
    const limitedAnswers = mine.filter((a) => a.result === 'rate_limited');
    expect(limitedAnswers.length).toBeGreaterThan(5);
    // Every client is a process of its own: check each client's pause against its own 429s.
    const clientOf = new Map(run.calls.map((c) => [c.id, c.client]));
    const byClient = new Map<number, AttemptRecord[]>();
    for (const a of mine) byClient.set(clientOf.get(a.callId)!, [...(byClient.get(clientOf.get(a.callId)!) ?? []), a]);
    let checked = 0;
    for (const attempts of byClient.values()) {
      for (const r of attempts.filter((a) => a.result === 'rate_limited')) {
        // From the moment the 429 reached the client until its retry-after ran out, nothing is sent.
        const heardAt = r.endedAtMs! + RTT / 2;
        const during = attempts.filter((a) => a.sentAtMs > heardAt + 1e-6 && a.sentAtMs < heardAt + r.retryAfterS! * 1000 - 1e-6);
        expect(during).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBe(limitedAnswers.length);
  });

  it('Stormwatch default: no attempt starts after the call deadline', async () => {
    const run = await runPolicy({ scenario: hopeless, policy: stormwatchDefault, seed: 3 });
    const startOf = new Map(run.calls.map((c) => [c.id, c]));
    for (const a of run.attempts) {
      const call = startOf.get(a.callId)!;
      expect(a.sentAtMs).toBeLessThanOrEqual(call.startMs + call.deadlineMs);
    }
    expect(run.calls.every((c) => c.endMs! - c.startMs <= c.deadlineMs + 1e-6)).toBe(true);
  });

  it('oracle: never rejected, in a storm too', async () => {
    const run = await runPolicy({ scenario: { ...storm50, fleet: { ...storm50.fleet, clients: 20 } }, policy: 'oracle', seed: 3 });
    const results = new Set(run.attempts.map((a) => a.result));
    expect(results.has('overloaded')).toBe(false);
    expect(results.has('shed')).toBe(false);
    expect(results.has('rate_limited')).toBe(false);
    expect(run.calls.filter((c) => c.ok).length).toBeGreaterThan(run.calls.length * 0.95);
  });
});
