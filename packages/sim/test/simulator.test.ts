import { describe, expect, it } from 'vitest';
import { runPolicy, type PolicyRun } from '../src/runPolicy.js';
import { POLICIES } from '../src/policies/index.js';
import { storm50 } from '../src/scenarios/storm50.js';
import type { Scenario } from '../src/scenarios/Scenario.js';

/** storm-50 at a fifth of the fleet and a shorter run, to keep the tests fast. */
const small: Scenario = {
  ...storm50,
  durationS: 100,
  overloads: [{ startS: 30, endS: 60, factor: 0.1, streamBreakProbability: 0.2 }],
  storm: { startS: 30, endS: 60 },
  fleet: { ...storm50.fleet, clients: 25 },
};

function checkCapacity(run: PolicyRun): void {
  const byModel = new Map(run.scenario.models.map((m) => [m.id, m]));
  for (const a of run.admissions) {
    expect(a.inFlight).toBeLessThanOrEqual(a.concurrencyLimit);
    expect(a.windowAdmissions).toBeLessThanOrEqual(a.rateLimit);
    // Recounted independently from the attempt records.
    const busy = run.attempts.filter(
      (r) => r.model === a.model && r.admittedAtMs !== undefined && r.admittedAtMs <= a.atMs && (r.endedAtMs ?? Infinity) > a.atMs,
    ).length;
    expect(busy).toBeLessThanOrEqual(a.concurrencyLimit);
    const second = Math.floor(a.atMs / 1000);
    const admittedThisSecond = run.attempts.filter(
      (r) => r.model === a.model && r.admittedAtMs !== undefined && Math.floor(r.admittedAtMs / 1000) === second,
    ).length;
    expect(admittedThisSecond).toBeLessThanOrEqual(a.rateLimit);
    expect(a.concurrencyLimit).toBeLessThanOrEqual(byModel.get(a.model)!.maxConcurrent);
  }
}

describe('simulated service', () => {
  for (const policy of [...POLICIES, 'oracle' as const]) {
    const id = policy === 'oracle' ? 'oracle' : policy.id;
    it(`never serves above capacity and accounts every request once (${id})`, async () => {
      const run = await runPolicy({ scenario: small, policy, seed: 7 });
      checkCapacity(run);
      expect(run.admissions.length).toBeGreaterThan(0);
      // Every attempt ended exactly once, with a result; sequence numbers are 0..n-1.
      expect(run.attempts.map((a) => a.seq)).toEqual(run.attempts.map((_, i) => i));
      for (const a of run.attempts) {
        expect(a.result).not.toBe('pending');
        expect(a.result).not.toBe('invalid');
        expect(a.endedAtMs).toBeGreaterThanOrEqual(a.sentAtMs);
      }
      // Every admitted attempt appears once among the admissions.
      expect(run.attempts.filter((a) => a.admittedAtMs !== undefined).length).toBe(run.admissions.length);
      // Every call ended, and every attempt belongs to a call.
      const ids = new Set(run.calls.map((c) => c.id));
      expect(run.calls.every((c) => c.endMs !== undefined)).toBe(true);
      expect(run.attempts.every((a) => ids.has(a.callId))).toBe(true);
      // A successful call's message came from an attempt of that call that succeeded.
      for (const c of run.calls.filter((c) => c.ok)) {
        const seq = Number(/^msg_sim_(\d+)$/.exec(c.messageId ?? '')?.[1]);
        expect(run.attempts[seq]).toMatchObject({ callId: c.id, result: 'ok' });
      }
    });
  }

  for (const policy of [...POLICIES, 'oracle' as const]) {
    const id = policy === 'oracle' ? 'oracle' : policy.id;
    it(`gives the same records for the same seed and different ones for another seed (${id})`, async () => {
      const a = await runPolicy({ scenario: small, policy, seed: 42 });
      const other = await runPolicy({ scenario: small, policy: POLICIES[1]!, seed: 42 });
      const b = await runPolicy({ scenario: small, policy, seed: 42 });
      const c = await runPolicy({ scenario: small, policy, seed: 43 });
      expect(other.attempts.length).toBeGreaterThan(0);
      expect(JSON.stringify(b.attempts)).toBe(JSON.stringify(a.attempts));
      expect(JSON.stringify(b.calls)).toBe(JSON.stringify(a.calls));
      expect(JSON.stringify(c.attempts)).not.toBe(JSON.stringify(a.attempts));
    });
  }

  it('offers every policy the same calls in an open-loop fleet', async () => {
    const runs = await Promise.all([POLICIES[0]!, POLICIES[5]!].map((policy) => runPolicy({ scenario: small, policy, seed: 5 })));
    // Started together, the runs take turns (they share the patched globals).
    const shape = (r: (typeof runs)[number]) => r.calls.map((c) => [c.id, c.client, c.startMs, c.inputTokens, c.outputTokens, c.stream]);
    expect(shape(runs[1]!)).toEqual(shape(runs[0]!));
  });

  it('sheds work in flight when capacity drops: 529s and mid-stream overloaded_error', async () => {
    const run = await runPolicy({ scenario: small, policy: POLICIES[0]!, seed: 7 });
    const results = new Set(run.attempts.map((a) => a.result));
    expect([...results].sort()).toEqual(['ok', 'overloaded', 'shed', 'stream_overloaded']);
    // No request is refused outside the storm.
    const refused = run.attempts.filter((a) => a.result === 'overloaded');
    expect(refused.every((a) => a.arrivedAtMs! >= 30_000 && a.arrivedAtMs! < 60_000)).toBe(true);
  });
});
